//! E-mail digests, received by a real SMTP server: one mail for every room left unread for
//! `EMAIL_DELAY`, what it lists, no second mail within `EMAIL_INTERVAL`, no message mailed
//! twice, nothing for whoever is online or has read, and the one-click unsubscribe (RFC 8058).

use reqwest::Method;
use serde_json::{Value, json};

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::{companion, hotel_room, id_of, registered_hotel};

/// A server sending digests after 1 s, then none for `interval`.
async fn digest_app(backend: Backend, interval: Duration) -> TestApp {
    notify_app(backend, |config| {
        config.notify.email_delay = Duration::from_secs(1);
        config.notify.email_interval = interval;
    })
    .await
}

/// How long a test waits for a digest whose delay is 1 s.
const MAIL_DEADLINE: Duration = Duration::from_secs(6);

fn email_of(user: &TestUser) -> String {
    user.user.email.clone()
}

/// A header of a mail, its name compared without case as in RFC 5322.
fn header(mail: &Value, name: &str) -> String {
    let headers = mail["headers"].as_object().expect("headers");
    let found = headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name));
    found
        .and_then(|(_, value)| value.as_str())
        .unwrap_or_default()
        .to_string()
}

fn text_of(mail: &Value) -> String {
    mail["text"].as_str().unwrap_or_default().to_string()
}

/// Whether the text part has a line naming `who` with `count` as a number of its own (the
/// digest lists each room on a line with its unread count; the layout is the server's).
fn counted(text: &str, who: &str, count: &str) -> bool {
    text.lines().any(|line| {
        line.contains(who)
            && line
                .split(|c: char| !c.is_ascii_digit())
                .any(|n| n == count)
    })
}

async fn an_offline_user_gets_one_digest_of_every_room_left_unread(backend: Backend) {
    let app = digest_app(backend, Duration::from_secs(3600)).await;
    let sink = Sink::new();
    let (c, o, ada) = (app.customer().await, app.owner().await, app.admin().await);
    let started = unix_now();
    let (hotel_chat, stored) = news_in_two_rooms(&app, (&c, &o, &ada)).await;

    let mails = sink.wait_mails(&email_of(&c), 1, MAIL_DEADLINE).await;
    let mail = &mails[0];
    let waited = mail["at"].as_f64().expect("at") - started;
    assert!(
        waited >= 0.9,
        "mailed {waited:.2} s after the messages, before EMAIL_DELAY"
    );
    assert!(
        mail["subject"].as_str().is_some_and(|s| !s.is_empty()),
        "{mail}"
    );
    assert!(header(mail, "From").contains("chat@tigo.test"), "{mail}");
    lists_every_room(mail, &stored);
    offers_one_click_unsubscribe(mail);

    // More news within EMAIL_INTERVAL: no second mail (it would come after EMAIL_DELAY, 1 s).
    send(&o, hotel_chat, "The shuttle leaves at ten").await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        sink.mails(&email_of(&c)).await.len(),
        1,
        "one mail per interval"
    );
    assert!(
        sink.mails(&email_of(&o)).await.is_empty(),
        "nothing to the sender"
    );
    assert!(counter(&app, "tigo_emails_total", "sent").await >= 1.0);
}

/// Four messages from the owner in a registered hotel's room (the third masked), one from
/// the Admin in a support room: the hotel room and what was stored there.
async fn news_in_two_rooms(
    app: &TestApp,
    (c, o, ada): (&TestUser, &TestUser, &TestUser),
) -> (Uuid, Vec<String>) {
    let hotel = registered_hotel(app, o).await;
    let hotel_chat = id_of(&hotel_room(c, o, hotel).await);
    let body = json!({"type": "customer_admin", "participant1_id": c.id(),
                      "participant2_id": ada.id()});
    let (status, support) = call(c, Method::POST, "/chat/rooms", Some(body)).await;
    assert_eq!(status, 201, "{support}");
    let support = id_of(&support);
    let mut stored = Vec::new();
    for content in [
        "Hello and good morning",
        "Your room is on the fourth floor",
        "Book the spa on +49 30 1234 5678",
        "Breakfast is served from seven",
    ] {
        stored.push(send(o, hotel_chat, content).await.content);
    }
    assert!(
        stored[2].contains("[phone hidden]"),
        "masked: {}",
        stored[2]
    );
    send(ada, support, "Your refund is on its way").await;
    (hotel_chat, stored)
}

/// The hotel room under the hotel's name with 4 unread and its last three messages as
/// stored (masked), the support room under the Admin's, in text and HTML, with the link.
fn lists_every_room(mail: &Value, stored: &[String]) {
    let text = text_of(mail);
    let html = mail["html"]
        .as_str()
        .unwrap_or_else(|| panic!("an HTML part: {mail}"));
    assert!(
        counted(&text, "Hotel Adler", "4"),
        "Hotel Adler, 4 unread:\n{text}"
    );
    assert!(counted(&text, "Ada", "1"), "Ada, 1 unread:\n{text}");
    for content in &stored[1..] {
        assert!(
            text.contains(content.as_str()),
            "{content:?} missing:\n{text}"
        );
        assert!(
            html.contains(content.as_str()),
            "{content:?} missing:\n{html}"
        );
    }
    assert!(!text.contains(&stored[0]), "only the last three:\n{text}");
    assert!(text.contains("Oscar"), "the senders' first names:\n{text}");
    assert!(text.contains("Your refund is on its way"), "{text}");
    assert!(
        !text.contains("1234") && !html.contains("1234"),
        "unmasked:\n{text}"
    );
    assert!(
        text.contains(APP_URL) && html.contains(APP_URL),
        "the link:\n{text}"
    );
}

/// RFC 8058: a signed one-click link and the header that says it takes a POST.
fn offers_one_click_unsubscribe(mail: &Value) {
    let unsubscribe = header(mail, "List-Unsubscribe");
    assert!(
        unsubscribe.contains("/chat/notifications/unsubscribe?token="),
        "{mail}"
    );
    assert_eq!(
        header(mail, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
}

async fn a_message_already_in_a_digest_is_not_mailed_again(backend: Backend) {
    let app = digest_app(backend, Duration::from_secs(3)).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    send(&o, room.id, "Your key card is ready").await;
    let first = sink.wait_mails(&email_of(&c), 1, MAIL_DEADLINE).await;
    assert!(text_of(&first[0]).contains("Your key card is ready"));

    send(&o, room.id, "The pool opens at eight").await;
    let both = sink.wait_mails(&email_of(&c), 2, MAIL_DEADLINE).await;
    let gap = both[1]["at"].as_f64().expect("at") - both[0]["at"].as_f64().expect("at");
    assert!(
        gap >= 2.9,
        "a second mail {gap:.2} s after the first (EMAIL_INTERVAL 3 s)"
    );
    let second = text_of(&both[1]);
    assert!(second.contains("The pool opens at eight"), "{second}");
    assert!(
        !second.contains("Your key card is ready"),
        "mailed again:\n{second}"
    );
}

async fn no_mail_to_a_member_who_is_online_or_has_read(backend: Backend) {
    let app = digest_app(backend, Duration::from_secs(3600)).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let (reader, away) = (app.customer().await, app.customer().await);
    let room = app.room(&c, &o).await;
    for user in [&reader, &away] {
        companion(&c, room.id, user).await;
    }
    let (_socket, _events) = online(&app, &c).await;
    send(&o, room.id, "Your taxi is here").await;
    reader.api.mark_read(room.id).await.expect("read");
    // The companion who is away is mailed: the marker that digests went out.
    sink.wait_mails(&email_of(&away), 1, MAIL_DEADLINE).await;
    tokio::time::sleep(QUIET).await;
    assert!(
        sink.mails(&email_of(&c)).await.is_empty(),
        "mailed while online"
    );
    assert!(
        sink.mails(&email_of(&reader)).await.is_empty(),
        "mailed what was read"
    );
}

/// The token in a `List-Unsubscribe` header's unsubscribe URL.
fn token_in(header: &str) -> String {
    let (_, rest) = header
        .split_once("unsubscribe?token=")
        .unwrap_or_else(|| panic!("no unsubscribe URL in {header:?}"));
    rest.split(['>', ',', '&', ' '])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What a mail client does for a one-click unsubscribe (RFC 8058): no login.
async fn one_click(app: &TestApp, token: Option<&str>) -> (u16, Value) {
    let query = token.map(|t| format!("?token={t}")).unwrap_or_default();
    let response = reqwest::Client::new()
        .post(format!("{}/chat/notifications/unsubscribe{query}", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn one_click_unsubscribe_turns_email_off_and_refuses_an_altered_token(backend: Backend) {
    let app = digest_app(backend, Duration::from_secs(3600)).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    send(&o, room.id, "Checkout is at eleven").await;
    let mails = sink.wait_mails(&email_of(&c), 1, MAIL_DEADLINE).await;
    let token = token_in(&header(&mails[0], "List-Unsubscribe"));
    assert!(token.len() >= 16, "a signed token: {token:?}");

    let middle = token.len() / 2;
    let swapped = if &token[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let altered = format!("{}{swapped}{}", &token[..middle], &token[middle + 1..]);
    for bad in [Some(altered.as_str()), Some(""), None] {
        let (status, body) = one_click(&app, bad).await;
        assert_error(status, &body, 401);
    }
    assert_eq!(
        c.api
            .raw(Method::GET, PREFERENCES, None)
            .await
            .expect("prefs")
            .1["email"],
        "digest"
    );

    let (status, body) = one_click(&app, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email"], "off", "{body}");
    let (_, prefs) = c
        .api
        .raw(Method::GET, PREFERENCES, None)
        .await
        .expect("prefs");
    assert_eq!(prefs["email"], "off", "{prefs}");
}

contract!(
    an_offline_user_gets_one_digest_of_every_room_left_unread,
    a_message_already_in_a_digest_is_not_mailed_again,
    no_mail_to_a_member_who_is_online_or_has_read,
    one_click_unsubscribe_turns_email_off_and_refuses_an_altered_token,
);
