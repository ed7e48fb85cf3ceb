//! The client's address behind reverse proxies (issue 6 item 12). Only the
//! proxies we run may speak for a client: `X-Forwarded-For` is read from the
//! right (each proxy appends the address it saw), skipping hops that are in
//! `server.trusted_proxies`; the first untrusted address is the client. A
//! client cannot forge its way in by prepending entries, as it could when the
//! left-most entry was taken. With no trusted proxies the header is ignored.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `CAMP__SERVER__TRUSTED_PROXIES`: addresses or CIDR ranges, as a list in TOML
/// or comma-separated in the environment (`"10.0.0.1, 172.16.0.0/12"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer` (the socket's other end) unless it is a
    /// trusted proxy, then the right-most untrusted `X-Forwarded-For` hop (the
    /// left-most hop when all are trusted; `peer` when the header is unusable).
    pub fn client_addr(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // Garbage from beyond our proxies: the last good hop is all we know.
                return client;
            };
            client = ip;
            if !self.contains(ip) {
                return ip;
            }
        }
        client
    }
}

fn parse_one(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    IpNet::from_str(text)
        .or_else(|_| IpAddr::from_str(text).map(IpNet::from))
        .map_err(|_| format!("不是IP地址或CIDR：{text}"))
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .filter(|item| !item.trim().is_empty())
            .map(parse_one)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(IpNet::to_string).collect();
        f.write_str(&items.join(","))
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(IpNet::to_string))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<String>),
            Text(String),
        }
        let items = match Form::deserialize(deserializer)? {
            Form::List(items) => items,
            Form::Text(text) => vec![text],
        };
        items.join(",").parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert("x-forwarded-for", value);
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() -> Result<(), String> {
        let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse()?;
        let proxy = ip("127.0.0.1");
        // The client forged "1.2.3.4"; our proxies appended what they saw.
        let chain = forwarded("1.2.3.4, 203.0.113.5, 10.1.2.3");
        assert_eq!(proxies.client_addr(proxy, &chain), ip("203.0.113.5"));
        // Not from a trusted proxy: the header counts for nothing.
        assert_eq!(
            proxies.client_addr(ip("198.51.100.1"), &chain),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::default().client_addr(proxy, &chain),
            proxy,
            "no trusted proxies: the socket's address"
        );
        assert_eq!(
            proxies.client_addr(proxy, &forwarded("10.0.0.9")),
            ip("10.0.0.9")
        );
        assert_eq!(
            proxies.client_addr(proxy, &forwarded("junk, 10.0.0.9")),
            ip("10.0.0.9")
        );
        assert_eq!(proxies.client_addr(proxy, &HeaderMap::new()), proxy);
        Ok(())
    }

    #[test]
    fn lists_come_from_toml_or_one_environment_string() {
        assert!(
            "10.0.0.1, ::1, 172.16.0.0/12"
                .parse::<TrustedProxies>()
                .is_ok()
        );
        assert!("10.0.0.1, nonsense".parse::<TrustedProxies>().is_err());
        let from_list: Result<TrustedProxies, _> =
            serde_json::from_str(r#"["10.0.0.1", "192.168.0.0/16"]"#);
        let from_text: Result<TrustedProxies, _> =
            serde_json::from_str(r#""10.0.0.1,192.168.0.0/16""#);
        assert!(from_list.is_ok());
        assert_eq!(from_list.ok(), from_text.ok());
    }
}
