//! Rate limits (governor's GCRA, keyed): messages per user, client events per connection,
//! logins per account and per address. A refusal says how long to wait.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::config::Limits;

/// One keyed limit; `None` when configured off (0).
struct Limit<K: std::hash::Hash + Eq + Clone> {
    limiter: Option<DefaultKeyedRateLimiter<K>>,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    /// `per` events per `period` with bursts up to `burst` (0 turns it off).
    fn new(per: u32, period: Duration, burst: u32) -> Limit<K> {
        let limiter = NonZeroU32::new(per).and_then(|per| {
            let quota = Quota::with_period(period / per.get())?;
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(per);
            Some(RateLimiter::keyed(quota.allow_burst(burst)))
        });
        Limit { limiter }
    }

    /// `Err(wait)` when over the limit.
    fn check(&self, key: &K) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(key)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    fn sweep(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

pub struct RateLimits {
    messages: Limit<Uuid>,
    events: Limit<Uuid>,
    login_account: Limit<String>,
    login_address: Limit<IpAddr>,
    uploads: Limit<Uuid>,
}

/// Whole seconds to wait, at least 1 (for `Retry-After`).
pub fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

impl RateLimits {
    /// `uploads_per_minute` per user (0: no limit), with bursts of as many.
    pub fn new(limits: &Limits, uploads_per_minute: u32) -> RateLimits {
        let second = Duration::from_secs(1);
        let minute = Duration::from_secs(60);
        RateLimits {
            messages: Limit::new(limits.messages_per_second, second, limits.message_burst),
            events: Limit::new(
                limits.events_per_second,
                second,
                limits.events_per_second * 2,
            ),
            login_account: Limit::new(
                limits.logins_per_minute_per_account,
                minute,
                limits.logins_per_minute_per_account,
            ),
            login_address: Limit::new(
                limits.logins_per_minute_per_address,
                minute,
                limits.logins_per_minute_per_address,
            ),
            uploads: Limit::new(uploads_per_minute, minute, uploads_per_minute),
        }
    }

    /// A message from `user`.
    pub fn message(&self, user: Uuid) -> Result<(), Duration> {
        self.messages.check(&user)
    }

    /// Any client event on connection `conn` (its Socket.IO id as a key).
    pub fn event(&self, conn: Uuid) -> Result<(), Duration> {
        self.events.check(&conn)
    }

    /// A login attempt for `email` from `address`.
    pub fn login(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        if let Some(address) = address {
            self.login_address.check(&address)?;
        }
        self.login_account.check(&email.to_string())
    }

    /// An upload by `user`.
    pub fn upload(&self, user: Uuid) -> Result<(), Duration> {
        self.uploads.check(&user)
    }

    /// Forgets keys that are back to a full allowance (bounded memory).
    pub fn sweep(&self) {
        self.messages.sweep();
        self.events.sweep();
        self.login_account.sweep();
        self.login_address.sweep();
        self.uploads.sweep();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds_and_zero_means_off() {
        let limit: Limit<u8> = Limit::new(10, Duration::from_secs(1), 3);
        for _ in 0..3 {
            assert!(limit.check(&1).is_ok());
        }
        let wait = limit.check(&1).expect_err("over the burst");
        assert!(wait <= Duration::from_millis(100));
        assert!(limit.check(&2).is_ok(), "keys are separate");
        let off: Limit<u8> = Limit::new(0, Duration::from_secs(1), 0);
        for _ in 0..1000 {
            assert!(off.check(&1).is_ok());
        }
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_secs(2)), 2);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
