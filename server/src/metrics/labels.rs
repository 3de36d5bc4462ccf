//! The bounded label values of the metrics: an error status's kind, and a request path's
//! route pattern (so a label never holds an id).

/// The `kind` label of an error status.
pub fn error_kind(status: u16) -> &'static str {
    match status {
        400 => "validation",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_type",
        416 => "bad_range",
        429 => "rate_limited",
        503 => "unavailable",
        500..=599 => "internal",
        _ => "other",
    }
}

/// A REST path matched to its route pattern, for a bounded `route` label.
pub fn route_of(method: &str, path: &str) -> String {
    const ROUTES: [&str; 42] = [
        "/auth/login",
        "/auth/register",
        "/auth/me",
        "/chat/rooms",
        "/chat/rooms/:id",
        "/chat/rooms/:id/messages",
        "/chat/rooms/:id/read",
        "/chat/rooms/:id/online-users",
        "/chat/rooms/:id/receipts",
        "/chat/rooms/:id/members",
        "/chat/rooms/:id/members/:id",
        "/chat/admin/hotels/:id",
        "/chat/hotels/:id",
        "/chat/hotels/:id/staff",
        "/chat/hotels/:id/staff/:id",
        "/chat/hotels/:id/response-stats",
        "/chat/notifications/vapid-public-key",
        "/chat/notifications/push-subscriptions",
        "/chat/notifications/push-subscriptions/:id",
        "/chat/notifications/preferences",
        "/chat/notifications/unsubscribe",
        "/chat/messages",
        "/chat/messages/:id",
        "/chat/messages/:id/reactions",
        "/chat/messages/:id/reactions/:id",
        "/chat/search",
        "/chat/health",
        "/chat/admin/online-users",
        "/chat/admin/queue",
        "/chat/admin/stats",
        "/chat/users/lookup",
        "/chat/uploads",
        "/chat/files/:id",
        "/chat/files/:id/thumbnail",
        "/chat/messages/:id/report",
        "/chat/admin/reports",
        "/chat/admin/reports/:id/resolve",
        "/chat/rooms/:id/assign",
        "/chat/admin/replies",
        "/chat/admin/replies/:id",
        "/openapi.json",
        "/metrics",
    ];
    if path.starts_with("/socket.io") {
        return format!("{method} /socket.io");
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let matches = |route: &str| {
        let pattern: Vec<&str> = route.split('/').collect();
        pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| *p == ":id" && !s.is_empty() || p == s)
    };
    // Literal routes win over patterns (`/chat/rooms/x` vs `/chat/admin/queue` never clash,
    // but keep the rule simple and explicit).
    let literal = ROUTES.iter().find(|r| !r.contains(':') && matches(r));
    match literal.or_else(|| ROUTES.iter().find(|r| matches(r))) {
        Some(route) => format!("{method} {route}"),
        None => format!("{method} other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_normalized_and_bounded() {
        assert_eq!(
            route_of(
                "GET",
                "/chat/rooms/0190f7e2-6b1c-7000-8000-000000000000/messages"
            ),
            "GET /chat/rooms/:id/messages"
        );
        assert_eq!(route_of("GET", "/wp-admin"), "GET other");
        assert_eq!(
            route_of("GET", "/chat/rooms/not-a-uuid"),
            "GET /chat/rooms/:id"
        );
        assert_eq!(
            route_of("PATCH", "/chat/messages/x"),
            "PATCH /chat/messages/:id"
        );
        assert_eq!(route_of("GET", "/socket.io/"), "GET /socket.io");
    }
}
