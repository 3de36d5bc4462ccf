//! Room members in the terminal client: `/members`, `/companion`, `/agent` and `/staff` as
//! commands for the network side, and `member_added` / `member_removed` keeping the room
//! list current (a removed user loses the room at once).

use chrono::Utc;
use crossterm::event::KeyCode;
use serde_json::json;
use tigo_common::{MemberRole, Role, RoomMember, Side, User};
use uuid::Uuid;

use super::app::{App, Cmd, Msg};
use super::tests::{key, screen, signed_in, typed};

fn run(app: &mut App, line: &str) -> Vec<Cmd> {
    typed(app, line);
    app.update(key(KeyCode::Enter))
}

fn member(user: &User, role: MemberRole, side: Side) -> RoomMember {
    RoomMember {
        user_id: user.id,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        role,
        side,
        joined_at: Utc::now(),
    }
}

#[test]
fn companion_commands_name_the_room_the_email_and_the_verb() {
    let (mut app, _me, _owner, r1, _r2) = signed_in();
    assert_eq!(
        run(&mut app, "/companion add ann@example.com"),
        vec![Cmd::Member {
            room: r1.id,
            email: Some("ann@example.com".into()),
            role: MemberRole::Companion,
            add: true,
        }]
    );
    assert_eq!(
        run(&mut app, "/companion remove ann@example.com"),
        vec![Cmd::Member {
            room: r1.id,
            email: Some("ann@example.com".into()),
            role: MemberRole::Companion,
            add: false,
        }]
    );
    for bad in [
        "/companion ann@example.com",
        "/companion add ann",
        "/companion kick a@b.c",
    ] {
        assert!(run(&mut app, bad).is_empty(), "{bad}");
        assert!(
            app.status
                .as_deref()
                .is_some_and(|s| s.starts_with("usage")),
            "{bad}"
        );
    }
}

#[test]
fn agent_join_and_leave_act_as_me_and_staff_needs_a_hotel() {
    let (mut app, _me, _owner, r1, _r2) = signed_in();
    let join = Cmd::Member {
        room: r1.id,
        email: None,
        role: MemberRole::Agent,
        add: true,
    };
    assert_eq!(run(&mut app, "/agent join"), vec![join]);
    assert!(matches!(
        run(&mut app, "/agent leave").as_slice(),
        [Cmd::Member {
            add: false,
            email: None,
            ..
        }]
    ));
    assert!(run(&mut app, "/staff add sam@example.com").is_empty());
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("no hotel"))
    );
    let hotel = Uuid::new_v4();
    let mut with_hotel = r1.clone();
    with_hotel.hotel_id = Some(hotel);
    let rooms = app
        .chat
        .rooms
        .iter()
        .map(|r| {
            if r.id == r1.id {
                with_hotel.clone()
            } else {
                r.clone()
            }
        })
        .collect();
    app.update(Msg::Rooms(rooms));
    assert_eq!(
        run(&mut app, "/staff remove sam@example.com"),
        vec![Cmd::Staff {
            hotel,
            email: "sam@example.com".into(),
            add: false,
        }]
    );
}

#[test]
fn member_events_update_the_members_and_a_removed_user_loses_the_room() {
    let (mut app, me, owner, r1, r2) = signed_in();
    let sam = super::tests::user("Sam", &[Role::HotelOwner]);
    let staff = member(&sam, MemberRole::Staff, Side::Hotel);
    let mut members = vec![
        member(&me, MemberRole::Participant, Side::Customer),
        member(&owner, MemberRole::Participant, Side::Hotel),
    ];
    let mut listed = r1.clone();
    listed.members = members.clone();
    app.update(Msg::RoomChanged(listed));
    let added = json!({"roomId": r1.id, "member": staff});
    assert!(
        app.update(Msg::Event {
            name: "member_added".into(),
            data: added
        })
        .is_empty()
    );
    members.push(staff);
    // By who and in what role (the JSON keeps microseconds of `joined_at`).
    let who = |list: &[RoomMember]| -> Vec<(Uuid, MemberRole)> {
        list.iter().map(|m| (m.user_id, m.role)).collect()
    };
    let now = app.current_room().map(|r| who(&r.members));
    assert_eq!(now, Some(who(&members)));
    assert!(screen(&app, 100, 20).contains("3 members"));
    run(&mut app, "/members");
    let status = app.status.clone().unwrap_or_default();
    assert!(
        status.contains("Sam Test (staff)") && status.contains("Carla Test (participant)"),
        "{status}"
    );
    let removed = json!({"roomId": r1.id, "userId": sam.id});
    app.update(Msg::Event {
        name: "member_removed".into(),
        data: removed,
    });
    assert_eq!(app.current_room().map(|r| r.members.len()), Some(2));
    // Me removed: the room goes, the other one takes the focus.
    let removed = json!({"roomId": r1.id, "userId": me.id});
    app.update(Msg::Event {
        name: "member_removed".into(),
        data: removed,
    });
    assert!(app.chat.rooms.iter().all(|r| r.id != r1.id));
    assert_eq!(app.current_id(), Some(r2.id));
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("no longer a member"))
    );
}

#[test]
fn being_added_to_a_room_not_listed_fetches_it() {
    let (mut app, me, _owner, _r1, _r2) = signed_in();
    let room = Uuid::new_v4();
    let added =
        json!({"roomId": room, "member": member(&me, MemberRole::Companion, Side::Customer)});
    assert_eq!(
        app.update(Msg::Event {
            name: "member_added".into(),
            data: added
        }),
        vec![Cmd::OpenRoom(room)]
    );
}
