//! The binary killed with SIGKILL mid-stream or stopped with SIGTERM under load: no acknowledged
//! message is lost and reconnecting clients catch up.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use tigo_client::Api;
use tigo_client::sio::{Socket, SocketOptions};
use uuid::Uuid;

use super::*;
use crate::contract;
use crate::helpers::*;

/// Every message id of a room, oldest first, over REST.
pub(super) async fn stored_ids(url: &str, token: &str, room: Uuid) -> Vec<String> {
    let api = Api::new(url).expect("api").with_token(token);
    let mut ids = Vec::new();
    let mut after = "1970-01-01T00:00:00Z".to_string();
    loop {
        let page = api
            .messages(room, &format!("limit=100&after={after}"))
            .await
            .expect("page");
        let Some(last) = page.messages.last() else {
            break;
        };
        after = last.id.to_string();
        ids.extend(page.messages.iter().map(|m| m.id.to_string()));
    }
    ids
}

/// Every acknowledged id is among the stored ones.
pub(super) fn assert_none_lost(stored: &[String], acked: &[String]) {
    let stored: HashSet<&String> = stored.iter().collect();
    for id in acked {
        assert!(stored.contains(id), "acknowledged message {id} was lost");
    }
}

/// `count` connections of one user, each sending as [`send_until_cut`] does; their acknowledged
/// ids when joined.
pub(super) async fn spawn_senders(
    url: &str,
    token: &str,
    room: Uuid,
    (count, limit): (usize, usize),
) -> Vec<tokio::task::JoinHandle<Vec<String>>> {
    let mut senders = Vec::new();
    for _ in 0..count {
        let (socket, _) = Socket::connect(url, SocketOptions::with_token(token))
            .await
            .expect("sender");
        senders.push(tokio::spawn(send_until_cut(socket, room, limit)));
    }
    senders
}

/// Sends with acknowledgements until the connection fails or `limit` is reached.
pub(super) async fn send_until_cut(socket: Socket, room: Uuid, limit: usize) -> Vec<String> {
    let mut acked = Vec::new();
    for i in 0..limit {
        match socket
            .emit_ack(
                "send_message",
                &json!({"chat_room_id": room, "content": format!("burst n{i}")}),
                Duration::from_secs(2),
            )
            .await
        {
            Ok(ack) if ack["ok"] == true => {
                acked.push(ack["messageId"].as_str().unwrap_or("").to_string())
            }
            _ => break,
        }
    }
    acked
}

async fn a_kill_9_loses_no_acknowledged_message_and_reconnecting_clients_catch_up(
    backend: Backend,
) {
    let db = fresh_db(backend).await;
    let port = free_port();
    let mut server = Server::start(&db.database_url(), port, &[]).await;
    let (sender_token, receiver_token, room) = two_users(&db, &server.url).await;
    let (receiver, mut received_events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("receiver");
    let (sender, _) = Socket::connect(&server.url, SocketOptions::with_token(&sender_token))
        .await
        .expect("sender");
    let sending = tokio::spawn(send_until_cut(sender, room, 100_000));
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.kill9();
    let acked = sending.await.expect("sender");
    assert!(
        acked.len() > 10,
        "the sender was sending ({} acked)",
        acked.len()
    );
    let mut received: Vec<String> = Vec::new();
    while let Ok(e) = received_events
        .next_within(Duration::from_millis(200))
        .await
    {
        if e.name == "new_message" {
            received.push(e.data["id"].as_str().unwrap_or("").to_string());
        }
    }
    drop(receiver);

    let server = Server::start(&db.database_url(), port, &[]).await;
    let stored = stored_ids(&server.url, &receiver_token, room).await;
    assert_none_lost(&stored, &acked);
    let stored_set: HashSet<&String> = stored.iter().collect();
    // The receiver reconnects and asks for what it missed.
    let (receiver, mut events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("reconnect");
    let join = match received.last() {
        Some(last) => json!({"roomId": room, "lastMessageId": last}),
        None => json!({"roomId": room}),
    };
    let ack = receiver
        .emit_ack("join_room", &join, WAIT)
        .await
        .expect("join");
    assert_eq!(ack["ok"], true, "{ack}");
    if received.is_empty() || ack["hasMore"] == true {
        received.clear();
        received.extend(stored.iter().cloned());
    } else {
        while let Ok(e) = events.next_within(Duration::from_millis(500)).await {
            if e.name == "new_message" {
                received.push(e.data["id"].as_str().unwrap_or("").to_string());
            }
        }
    }
    let unique: HashSet<&String> = received.iter().collect();
    assert_eq!(unique.len(), received.len(), "no message twice");
    assert_eq!(unique, stored_set, "every stored message exactly once");
}

async fn sigterm_under_load_finishes_acknowledged_work_and_exits_zero(backend: Backend) {
    let db = fresh_db(backend).await;
    let port = free_port();
    let mut server = Server::start(&db.database_url(), port, &[("SHUTDOWN_GRACE", "5s")]).await;
    let (sender_token, receiver_token, room) = two_users(&db, &server.url).await;
    let senders = spawn_senders(&server.url, &sender_token, room, (3, 100_000)).await;
    let (watcher, mut watcher_events) =
        Socket::connect(&server.url, SocketOptions::with_token(&receiver_token))
            .await
            .expect("watcher");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (code, took) = server.terminate().await;
    assert_eq!(code, Some(0), "exit status");
    assert!(
        took < Duration::from_secs(8),
        "stopped within the grace period (took {took:?})"
    );
    let mut acked = Vec::new();
    for s in senders {
        acked.extend(s.await.expect("sender"));
    }
    assert!(!acked.is_empty());
    // Clients were told: their connection closed.
    let closed = loop {
        match watcher_events.next_within(Duration::from_secs(5)).await {
            Err(tigo_client::sio::SioError::Closed) => break true,
            Err(_) => break false,
            Ok(_) => continue,
        }
    };
    assert!(closed, "connections are closed on shutdown");
    drop(watcher);
    let server = Server::start(&db.database_url(), port, &[]).await;
    let stored = stored_ids(&server.url, &receiver_token, room).await;
    assert_none_lost(&stored, &acked);
}

contract!(
    a_kill_9_loses_no_acknowledged_message_and_reconnecting_clients_catch_up,
    sigterm_under_load_finishes_acknowledged_work_and_exits_zero,
);
