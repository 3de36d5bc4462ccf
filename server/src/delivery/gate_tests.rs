//! The gate's states and transitions: what is held, what goes out and in which order, what a
//! replay skips, the cut-off on overflow.

use super::*;

fn message(n: u128) -> Outgoing {
    Outgoing {
        event: RoomEvent::NewMessage,
        data: serde_json::value::to_raw_value(&n)
            .expect("a number encodes")
            .into(),
        message_id: Some(Uuid::from_u128(n)),
        seq: None,
    }
}

fn typing() -> Outgoing {
    Outgoing {
        message_id: None,
        event: RoomEvent::UserTyping,
        ..message(0)
    }
}

fn ids(events: &[Outgoing]) -> Vec<Option<Uuid>> {
    events.iter().map(|o| o.message_id).collect()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

#[test]
fn a_connecting_gate_holds_everything_and_opens_in_order() {
    let mut gate = Gate::connecting();
    assert_eq!(gate.pass(&message(1), 10), Pass::Held);
    assert_eq!(gate.pass(&typing(), 10), Pass::Held);
    assert_eq!(gate.pass(&message(2), 10), Pass::Held);
    let held = gate.open();
    assert_eq!(ids(&held), [Some(id(1)), None, Some(id(2))]);
    assert!(matches!(gate, Gate::Fresh { .. }));
    assert!(gate.open().is_empty(), "opening twice sends nothing twice");
    assert_eq!(gate.pass(&message(3), 10), Pass::Emit);
}

#[test]
fn an_opened_gate_remembers_what_recovery_sent_and_what_it_held_for_a_replay_to_skip() {
    let mut gate = Gate::connecting();
    gate.replayed_at_connect(id(1));
    gate.pass(&message(2), 10);
    gate.open();
    assert_eq!(gate.pass(&message(3), 10), Pass::Emit);
    let (next, skip) = Gate::begin_replay(Some(&mut gate));
    assert_eq!(skip, HashSet::from([id(1), id(2), id(3)]));
    assert!(matches!(next, Gate::Replaying { .. }));
}

#[test]
fn a_fresh_gate_remembers_at_most_recent_ids() {
    let mut gate = Gate::Fresh { recent: Vec::new() };
    for n in 0..(RECENT_IDS as u128 + 10) {
        assert_eq!(gate.pass(&message(n), 10), Pass::Emit);
    }
    let Gate::Fresh { recent } = &gate else {
        panic!("still fresh");
    };
    assert_eq!(recent.len(), RECENT_IDS);
    assert_eq!(
        recent.first(),
        Some(&id(0)),
        "the first ids are the ones kept"
    );
}

#[test]
fn a_live_gate_lets_everything_out_and_a_replay_from_it_skips_nothing() {
    let mut gate = Gate::Live;
    assert_eq!(gate.pass(&message(1), 0), Pass::Emit);
    let (next, skip) = Gate::begin_replay(Some(&mut gate));
    assert!(skip.is_empty());
    assert!(matches!(next, Gate::Replaying { .. }));
    let (first, skip) = Gate::begin_replay(None);
    assert!(skip.is_empty(), "a room not joined yet has seen nothing");
    assert!(matches!(first, Gate::Replaying { .. }));
}

#[test]
fn a_replay_holds_live_events_then_sends_those_it_did_not_send_itself_in_order() {
    let mut gate = Gate::Live;
    let (mut gate, _) = Gate::begin_replay(Some(&mut gate));
    for n in [1, 2, 3] {
        assert_eq!(gate.pass(&message(n), 10), Pass::Held);
    }
    gate.pass(&typing(), 10);
    let waited = gate.end_replay(&HashSet::from([id(2)]));
    assert_eq!(ids(&waited), [Some(id(1)), Some(id(3)), None]);
    assert!(matches!(gate, Gate::Live));
    assert!(gate.end_replay(&HashSet::new()).is_empty());
}

#[test]
fn a_second_replay_keeps_what_the_first_holds() {
    let (mut gate, _) = Gate::begin_replay(None);
    gate.pass(&message(1), 10);
    let (mut gate, skip) = Gate::begin_replay(Some(&mut gate));
    assert!(skip.is_empty());
    assert_eq!(ids(&gate.end_replay(&HashSet::new())), [Some(id(1))]);
}

#[test]
fn a_full_gate_overflows_without_holding_more() {
    for mut gate in [Gate::connecting(), Gate::begin_replay(None).0] {
        assert_eq!(gate.pass(&message(1), 2), Pass::Held);
        assert_eq!(gate.pass(&message(2), 2), Pass::Held);
        assert_eq!(gate.pass(&message(3), 2), Pass::Overflow);
        let held = match &mut gate {
            Gate::Connecting { .. } => gate.open(),
            _ => gate.end_replay(&HashSet::new()),
        };
        assert_eq!(ids(&held), [Some(id(1)), Some(id(2))]);
    }
}

#[test]
fn a_replay_that_starts_while_connecting_loses_nothing_held_nor_repeats_recovery() {
    let mut gate = Gate::connecting();
    gate.replayed_at_connect(id(1));
    gate.pass(&message(2), 10);
    gate.pass(&typing(), 10);
    let (mut gate, skip) = Gate::begin_replay(Some(&mut gate));
    assert_eq!(
        skip,
        HashSet::from([id(1), id(2)]),
        "the replay skips what recovery sent and what the gate holds"
    );
    gate.pass(&message(3), 10);
    let waited = gate.end_replay(&HashSet::new());
    assert_eq!(ids(&waited), [Some(id(2)), None, Some(id(3))]);
    assert!(gate.open().is_empty(), "nothing goes out twice at connect");
}

#[test]
fn recovery_ids_are_noted_only_while_connecting_and_capped() {
    let mut gate = Gate::connecting();
    for n in 0..(RECENT_IDS as u128 + 5) {
        gate.replayed_at_connect(id(n));
    }
    let Gate::Connecting { sent, .. } = &gate else {
        panic!("still connecting");
    };
    assert_eq!(sent.len(), RECENT_IDS);
    let mut live = Gate::Live;
    live.replayed_at_connect(id(1));
    assert!(matches!(live, Gate::Live));
}
