//! `admin notify test`: a test e-mail and a test push to every subscription of one user, sent
//! now with the servers' settings, and what became of each.

use serde::Serialize;
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::notify::{Notifier, NotifyConfig, Outcome, TestMail};

/// What `admin notify test` did.
#[derive(Debug, Clone, Serialize)]
pub struct NotifyTest {
    pub user_id: Uuid,
    pub email: TestMail,
    pub pushes: Vec<TestPush>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestPush {
    /// The subscription (its endpoint and keys are not shown).
    pub id: Uuid,
    /// `sent`, `gone` (the push service no longer knows it: deleted) or `failed`.
    pub outcome: Outcome,
}

/// A test push's `Topic`: its own, so it replaces no room's notification.
const TEST_TOPIC: &str = "tigo-test";

impl Admin {
    pub async fn notify_test(&self, who: &str, config: NotifyConfig) -> AdminResult<NotifyTest> {
        let user = self.find_user(who).await?;
        let secret =
            crate::auth::secret::resolve(self.jwt_secret.as_deref(), self.store.as_ref()).await?;
        let notifier = Notifier::open(
            self.store.clone(),
            config,
            secret.value.as_bytes(),
            &self.origin,
        )
        .await
        .map_err(|err| AdminError::Invalid(format!("{err:#}")))?;
        let prefs = self.store.prefs(user.user.id).await?;
        let email_on = prefs.as_ref().is_none_or(|p| p.email != "off");
        let email = notifier.test_mail(&user.user.email, email_on).await;
        let payload = serde_json::json!({
            "type": "test",
            "body": "Test notification from Tigo chat",
        })
        .to_string();
        let mut pushes = Vec::new();
        for sub in self.store.subscriptions(user.user.id).await? {
            let (outcome, _) = notifier.send(&sub, &payload, "normal", TEST_TOPIC).await;
            let outcome = match outcome {
                Outcome::Gone => {
                    self.store.forget_subscription(sub.id).await?;
                    Outcome::Gone
                }
                Outcome::Retried => Outcome::Failed,
                other => other,
            };
            pushes.push(TestPush {
                id: sub.id,
                outcome,
            });
        }
        Ok(NotifyTest {
            user_id: user.user.id,
            email,
            pushes,
        })
    }
}
