//! A private Redis restarted under two instances: health degrades, then delivery across
//! instances resumes.

use std::time::{Duration, Instant};

use super::*;
use crate::helpers::*;

/// A Redis of this test's own, to stop and restart.
pub(crate) struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    pub(crate) fn start(port: u16) -> OwnRedis {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (scripts/test.sh installs it)");
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_degrades_health_and_cross_instance_delivery_resumes() {
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (a, b, _db) = pair(&redis.url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let o_b = on(&b, &o).await;
    let (_os, mut o_events) = b.socket(&o_b).await;
    send(&c, room.id, "before").await;
    assert_eq!(
        o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("before")["content"],
        "before"
    );

    // Redis away for 30 s: nothing crashes, REST keeps working, health says degraded.
    redis.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Connecting still works (presence catches up once Redis is back).
    let (_late, mut late_events) = a.socket(&c).await;
    late_events
        .wait_for("connected", WAIT)
        .await
        .expect("connected while Redis is down");
    let outage = Instant::now();
    let mut during = Vec::new();
    while outage.elapsed() < Duration::from_secs(30) {
        let health = a.api.health().await.expect("health");
        assert_eq!(health.status, "degraded");
        assert_eq!(health.checks.bus, "down");
        during.push(send(&c, room.id, "during").await);
        assert_eq!(o.api.room(room.id).await.expect("REST works").id, room.id);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    let mut redis = OwnRedis::start(port);
    let back = tokio::time::Instant::now();
    wait_until_bus_up(&a).await;
    wait_until_bus_up(&b).await;
    let mut resumed = false;
    while back.elapsed() < Duration::from_secs(5) {
        send(&c, room.id, "after").await;
        if o_events
            .collect_named("new_message", Duration::from_millis(300))
            .await
            .iter()
            .any(|m| m["content"] == "after")
        {
            resumed = true;
            break;
        }
    }
    assert!(
        resumed,
        "cross-instance delivery resumed within 5 s of Redis returning"
    );
    assert_eq!(a.api.health().await.expect("health").status, "healthy");
    let history = c.api.messages(room.id, "limit=100").await.expect("history");
    for m in &during {
        assert!(
            history.messages.iter().any(|h| h.id == m.id),
            "nothing acknowledged was lost"
        );
    }
    redis.stop();
}
