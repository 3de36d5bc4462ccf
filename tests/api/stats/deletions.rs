//! Deleted messages: as if never sent for threads (a hotel's figures change within a couple
//! of seconds of `DELETE /chat/messages/:id`), while the Admin's buckets keep counting the
//! activity as it happened.

use super::hotels::hotel_rooms;
use super::*;
use crate::contract;
use crate::helpers::*;

contract!(deleted_messages_leave_threads_as_if_never_sent_but_activity_stays_counted);

/// `DELETE /chat/messages/:id` as its sender.
async fn delete(sender: &TestUser, message: Uuid) {
    sender.api.delete(message).await.expect("delete");
}

/// The Admin's day buckets between `since` and `until`.
async fn buckets(admin: &TestUser, since: DateTime<Utc>, until: DateTime<Utc>) -> Value {
    let query = format!("since={}&until={}&bucket=day", rfc(since), rfc(until));
    let (status, body) = admin_stats(admin, &query).await;
    assert_eq!(status, 200, "{body}");
    body["buckets"].clone()
}

async fn deleted_messages_leave_threads_as_if_never_sent_but_activity_stays_counted(
    backend: Backend,
) {
    let app = stats_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let rooms = hotel_rooms(&c, &o, 2).await;
    let ((answered, first_room), (grouped, second_room)) = (rooms[0], rooms[1]);
    let start = ago(5 * DAY);
    let mut script = Script::new();
    let first = script.thread(first_room, start, &[(&c, 0), (&o, HOUR), (&o, 30 * HOUR)]);
    let second = script.thread(
        second_room,
        start,
        &[(&c, 0), (&c, 20 * HOUR), (&c, 40 * HOUR), (&o, 41 * HOUR)],
    );
    let _follower = script.store_marked(&app, &c, &o).await;
    hotels_settle(
        &c,
        &[
            (answered, Figures::of(90, 1, 1, Some(HOUR), None)),
            // 20 h between the guest's messages: one thread, answered 41 h after it began.
            (grouped, Figures::of(90, 1, 0, Some(41 * HOUR), None)),
        ],
    )
    .await;
    let (since, until) = (floor(plus(start, -DAY), DAY), Utc::now());
    let activity = buckets(&admin, since, until).await;

    // Without the first answer, the second one (30 h later) is the response.
    delete(&o, first[1]).await;
    let later = Figures::of(90, 1, 0, Some(30 * HOUR), None);
    hotel_settles(&c, "its first answer deleted", answered, &later).await;
    // Without the guest's message, the hotel's alone start nothing.
    delete(&c, first[0]).await;
    hotel_settles(&c, "its question deleted", answered, &Figures::none()).await;
    // Without the middle message, 40 h of silence: the first thread is replaced,
    // unanswered, and the third message's thread is answered in an hour.
    delete(&c, second[1]).await;
    let split = Figures::of(90, 2, 1, Some(HOUR), None);
    hotel_settles(&c, "its middle message deleted", grouped, &split).await;

    assert_eq!(
        buckets(&admin, since, until).await,
        activity,
        "messages and senders are counted as they happened"
    );
}
