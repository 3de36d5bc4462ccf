//! Which push endpoints the server may POST to: `https://` URLs whose host neither names nor
//! resolves to a loopback, private, link-local or otherwise internal address, unless it is
//! one of `PUSH_ALLOWED_HOSTS` (which alone may use `http://`). Checked before a subscription
//! is stored and again before every delivery; the HTTP client's resolver ([`Guarded`]) drops
//! internal addresses too, so a name that changes its answer between the check and the
//! connection (DNS rebinding) still cannot reach inside.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// Why an endpoint is refused (said to the client as it is).
pub type Refusal = &'static str;

/// The endpoint, parsed as a browser would (so `2130706433`, `0177.0.0.1` and `0x7f.1` are
/// all 127.0.0.1), when its form and any literal address are acceptable; a name is resolved
/// by [`check`].
pub fn parse(raw: &str, allowed: &[String]) -> Result<Url, Refusal> {
    let url = Url::parse(raw).map_err(|_| "endpoint must be an absolute URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("endpoint must not carry credentials");
    }
    let listed = is_listed(&url, allowed);
    match url.scheme() {
        "https" => {}
        "http" if listed => {}
        _ => return Err("endpoint must be an https:// URL"),
    }
    let internal = match url.host() {
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => is_internal_name(name),
        None => return Err("endpoint must name a host"),
    };
    if internal && !listed {
        return Err("endpoint must not point to an internal address");
    }
    Ok(url)
}

/// [`parse`], then a name's addresses: every one must be public (unless the host is listed).
pub async fn check(raw: &str, allowed: &[String]) -> Result<Url, Refusal> {
    let url = parse(raw, allowed)?;
    if is_listed(&url, allowed) {
        return Ok(url);
    }
    if let Some(Host::Domain(name)) = url.host() {
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| "endpoint's host cannot be resolved")?
            .collect();
        if addrs.is_empty() {
            return Err("endpoint's host cannot be resolved");
        }
        if addrs.iter().any(|a| !is_public(a.ip())) {
            return Err("endpoint must not point to an internal address");
        }
    }
    Ok(url)
}

/// Whether `host:port` of the URL is one of the allowed entries.
fn is_listed(url: &Url, allowed: &[String]) -> bool {
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let here = format!("{host}:{port}");
    allowed.iter().any(|a| a.eq_ignore_ascii_case(&here))
}

/// Names that are internal whatever DNS says.
fn is_internal_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
        || !name.contains('.')
}

/// An address on the public internet: none of loopback, private, link-local, shared (CGN),
/// unspecified, broadcast, documentation, benchmarking, multicast or reserved ranges, and
/// an IPv6 address embedding an IPv4 one (mapped, NAT64) is judged by that.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0)) // IPv4-compatible
}

/// The push client's resolver: a name's internal addresses are dropped (all of them internal:
/// no address, so no connection), except for the allowed hosts.
pub struct Guarded {
    pub allowed_names: Arc<Vec<String>>,
}

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let listed = self.allowed_names.contains(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| listed || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("the push endpoint resolves to no public address".into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_an_internal_address_is_refused() {
        for raw in [
            "https://127.0.0.1/x",
            "https://2130706433/x",
            "https://0177.0.0.1/x",
            "https://0x7f.1/x",
            "https://[::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:7f00:1]/x",
            "https://[64:ff9b::a00:1]/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[fe80::1]/x",
            "https://[fc00::1]/x",
            "https://[::]/x",
            "https://localhost/x",
            "https://push.localhost/x",
            "https://intranet/x",
            "http://push.example.com/x",
            "ftp://push.example.com/x",
            "https://user:pw@push.example.com/x",
        ] {
            assert!(parse(raw, &[]).is_err(), "{raw} was accepted");
        }
        assert!(parse("https://8.8.8.8/x", &[]).is_ok());
        assert!(parse("https://[2606:4700::1]/x", &[]).is_ok());
        assert!(parse("https://fcm.googleapis.com/fcm/send/abc", &[]).is_ok());
    }

    #[test]
    fn only_listed_hosts_pass_and_only_they_may_use_http() {
        let allowed = vec!["127.0.0.1:8443".to_string()];
        assert!(parse("http://127.0.0.1:8443/push/1", &allowed).is_ok());
        assert!(parse("https://127.0.0.1:8443/push/1", &allowed).is_ok());
        assert!(parse("http://127.0.0.1:8444/push/1", &allowed).is_err());
        assert!(parse("https://127.0.0.1/push/1", &allowed).is_err());
    }
}
