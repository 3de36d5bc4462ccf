//! `tigo-chat smoke`: a scripted end-to-end check of a deployment. Two users log in, open (or
//! reuse) their room, connect over Socket.IO, exchange a message each way, and check delivery,
//! the read receipt, typing, a reaction, a reply, edit and delete, then send an image and
//! download it back; with a support user, the first user also sends a voice message in their
//! support room. Every step is timed; the messages it sends are deleted again whatever
//! happens.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tigo_common::{AckReply, CreateRoom, RoomType};
use uuid::Uuid;

use crate::api::Api;

mod attachment;
mod exchange;
mod voice;
use crate::sio::Events;

pub struct SmokeConfig {
    pub url: String,
    pub user_a: (String, String),
    pub user_b: (String, String),
    /// An Admin for the voice step (voice messages go to support rooms by default); `None`
    /// leaves the step out.
    pub support: Option<(String, String)>,
    pub step_timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    pub ok: bool,
    pub millis: f64,
    pub detail: String,
}

struct Run<'a> {
    steps: Vec<Step>,
    report: &'a mut dyn FnMut(&Step),
}

impl Run<'_> {
    /// Runs one step; its error text becomes the step's detail.
    async fn step<T>(
        &mut self,
        name: &str,
        work: impl std::future::Future<Output = Result<T, String>>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = work.await;
        let step = Step {
            name: name.to_string(),
            ok: result.is_ok(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
            detail: result.as_ref().err().cloned().unwrap_or_default(),
        };
        (self.report)(&step);
        self.steps.push(step);
        result.ok()
    }
}

/// Waits for `event` whose payload reads as `T` and satisfies `matches`; one that does not
/// read as `T` is passed over like one that does not match.
async fn expect<T: DeserializeOwned>(
    events: &mut Events,
    event: &str,
    timeout: Duration,
    matches: impl Fn(&T) -> bool,
) -> Result<T, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let data = events
            .wait_for(event, left)
            .await
            .map_err(|e| format!("no {event}: {e}"))?;
        if let Ok(data) = T::deserialize(data)
            && matches(&data)
        {
            return Ok(data);
        }
    }
}

fn ok_ack(ack: AckReply) -> Result<AckReply, String> {
    if ack.ok {
        Ok(ack)
    } else {
        Err(format!("refused: {}", json!(ack.error)))
    }
}

/// Runs the check; `report` sees each step as it finishes. True when every step passed.
pub async fn run(config: &SmokeConfig, report: &mut dyn FnMut(&Step)) -> Vec<Step> {
    let mut run = Run {
        steps: Vec::new(),
        report,
    };
    let t = config.step_timeout;
    let api = match Api::new(&config.url) {
        Ok(api) => api,
        Err(e) => {
            run.step::<()>("client", async { Err(e.to_string()) }).await;
            return run.steps;
        }
    };
    let login = |who: &(String, String)| {
        let api = api.clone();
        let (email, password) = who.clone();
        async move {
            api.login(&email, &password)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let Some(a) = run.step("log in user A", login(&config.user_a)).await else {
        return run.steps;
    };
    let Some(b) = run.step("log in user B", login(&config.user_b)).await else {
        return run.steps;
    };
    let a_api = api.with_token(&a.access_token);
    let b_api = api.with_token(&b.access_token);
    let Some(room) = run
        .step("create or reuse their room", async {
            let room_type = RoomType::infer(&a.user.roles, &b.user.roles)
                .ok_or("these users' roles fit no room type")?;
            a_api
                .create_room(&CreateRoom {
                    room_type,
                    participant1_id: a.user.id,
                    participant2_id: b.user.id,
                    hotel_id: None,
                })
                .await
                .map_err(|e| e.to_string())
        })
        .await
    else {
        return run.steps;
    };
    let mut sent: Vec<(Api, Uuid)> = Vec::new();
    exchange::exchange(
        &mut run,
        &config.url,
        t,
        &a,
        &b,
        &a_api,
        &b_api,
        room.id,
        &mut sent,
    )
    .await;
    attachment::step(&mut run, t, &a_api, &b_api, room.id, &mut sent).await;
    if let Some(who) = &config.support
        && let Some(support) = run.step("log in the support user", login(who)).await
    {
        let support_api = api.with_token(&support.access_token);
        voice::step(&mut run, t, &a, &a_api, &support, &support_api, &mut sent).await;
    }
    clean_up(&mut run, sent).await;
    run.steps
}

/// Leaves nothing behind, even after a failure: deletes what the steps sent.
async fn clean_up(run: &mut Run<'_>, sent: Vec<(Api, Uuid)>) {
    if sent.is_empty() {
        return;
    }
    run.step("clean up leftover test messages", async {
        for (api, id) in &sent {
            match api.delete(*id).await {
                Ok(()) | Err(crate::api::ApiError::Status { status: 404, .. }) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    })
    .await;
}
