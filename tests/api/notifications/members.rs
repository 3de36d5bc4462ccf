//! Every member of a room is notified, not only its two participants: the hotel's staff,
//! the guest's companions, an agent; a member who was removed is not.

use serde_json::json;

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::{
    add_member, add_staff, clerk, companion, hotel_room, id_of, registered_hotel, remove_member,
    remove_staff,
};

async fn staff_companions_and_agents_are_pushed_and_removed_members_are_not(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o, agent) = (app.customer().await, app.owner().await, app.admin().await);
    let (desk, friend) = (clerk(&app).await, app.customer().await);
    let hotel = registered_hotel(&app, &o).await;
    let (status, body) = add_staff(&o, hotel, desk.id()).await;
    assert_eq!(status, 200, "{body}");
    let room = id_of(&hotel_room(&c, &o, hotel).await);
    companion(&c, room, &friend).await;
    let (status, body) = add_member(&agent, room, agent.id(), "agent").await;
    assert_eq!(status, 201, "{body}");
    let owners = subscribed(&sink, &o, json!("201")).await;
    let desks = subscribed(&sink, &desk, json!("201")).await;
    let friends = subscribed(&sink, &friend, json!("201")).await;
    let agents = subscribed(&sink, &agent, json!("201")).await;

    let first = send(&c, room, "Can we get a cot for the baby?").await;
    for browser in [&owners, &desks, &friends, &agents] {
        let push = sink.push_for(browser, first.id).await;
        assert_eq!(push["payload"]["room_id"], json!(room));
        assert_eq!(push["payload"]["sender"]["id"], json!(c.id()));
    }
    // A member's own message is pushed to the others, the participants included.
    let guests = subscribed(&sink, &c, json!("201")).await;
    let from_desk = send(&desk, room, "Of course, it will be ready.").await;
    for browser in [&guests, &owners, &friends] {
        sink.push_for(browser, from_desk.id).await;
    }

    let (status, body) = remove_member(&c, room, friend.id()).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = remove_staff(&o, hotel, desk.id()).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = remove_member(&agent, room, agent.id()).await;
    assert_eq!(status, 200, "{body}");
    let after = send(&c, room, "Thanks!").await;
    sink.push_for(&owners, after.id).await;
    tokio::time::sleep(QUIET).await;
    for (who, browser) in [
        ("companion", &friends),
        ("staff", &desks),
        ("agent", &agents),
    ] {
        let pushes = sink.pushes(browser).await;
        assert!(
            about(&pushes, after.id).is_empty(),
            "the removed {who} was pushed"
        );
    }
}

contract!(staff_companions_and_agents_are_pushed_and_removed_members_are_not);
