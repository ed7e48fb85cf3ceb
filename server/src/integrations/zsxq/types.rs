//! The shapes of Knowledge Planet's answers, as far as we read them (unknown
//! fields are ignored). Ids are `i64`; times are [`ZsxqTime`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Knowledge Planet's time text, e.g. `2025-10-17T19:43:42.339+0800`: the
/// instant, and the text itself (the topics cursor must be the exact text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZsxqTime {
    pub raw: String,
    pub at: DateTime<Utc>,
}

/// The service's format: milliseconds and a `+0800` offset without a colon.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

impl ZsxqTime {
    pub fn parse(raw: &str) -> Result<Self, chrono::ParseError> {
        let at = DateTime::parse_from_str(raw, TIME_FORMAT)?.with_timezone(&Utc);
        Ok(Self {
            raw: raw.to_owned(),
            at,
        })
    }

    /// The instant in the service's format, Beijing offset.
    pub fn format(at: DateTime<Utc>) -> Self {
        Self {
            raw: at
                .with_timezone(&shared::dates::BUSINESS_TZ)
                .format(TIME_FORMAT)
                .to_string(),
            at,
        }
    }
}

impl fmt::Display for ZsxqTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for ZsxqTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(format!("time {raw:?}: {e}")))
    }
}

impl Serialize for ZsxqTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

/// A Knowledge Planet account. `name` may be blank or only spaces; the
/// person's name is then often in `alias` (the planet-specific nickname).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub user_id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub alias: Option<String>,
}

/// `GET /v2/users/self` → `resp_data.user`.
#[derive(Debug, Clone, Deserialize)]
pub struct SelfUser {
    pub user: User,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GroupRef {
    pub group_id: i64,
    #[serde(default)]
    pub name: String,
}

/// `GET /v2/groups/{gid}` → `resp_data.group`.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupAnswer {
    pub group: GroupRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub long_period: bool,
    /// `…T23:59:59.594+0800`, or empty for a long-period project.
    #[serde(default)]
    pub expiration_time: String,
}

/// A check-in project (打卡项目): the camp's "知识星球项目ID" is its `checkin_id`.
#[derive(Debug, Clone, Deserialize)]
pub struct Checkin {
    pub checkin_id: i64,
    pub group: GroupRef,
    pub owner: User,
    pub title: String,
    #[serde(default)]
    pub text: String,
    /// Required number of days.
    pub checkin_days: i32,
    pub validity: Validity,
    pub create_time: ZsxqTime,
    /// `ongoing`, `closed` (no new joiners) or `over` (expired).
    pub status: String,
    /// `accumulated` or `continuous`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub joined_count: i64,
}

/// `GET /v2/groups/{gid}/checkins?scope=…` → `resp_data`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckinList {
    pub checkins: Vec<Checkin>,
}

/// `GET …/checkins/{cid}` and `POST …/checkins` → `resp_data`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckinAnswer {
    pub checkin: Checkin,
}

/// Which projects [`super::ZsxqClient::checkin_projects`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinScope {
    Ongoing,
    /// No new joiners; members can still check in.
    Closed,
    /// Expired.
    Over,
}

impl CheckinScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ongoing => "ongoing",
            Self::Closed => "closed",
            Self::Over => "over",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Talk {
    pub owner: User,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub images: Vec<serde_json::Value>,
}

/// One check-in post (a `talk` topic of the project).
#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub topic_id: i64,
    #[serde(default)]
    pub talk: Option<Talk>,
    pub create_time: ZsxqTime,
}

impl Topic {
    /// The post's author, text length in characters, and image count.
    pub fn owner(&self) -> Option<&User> {
        self.talk.as_ref().map(|t| &t.owner)
    }

    pub fn text(&self) -> &str {
        self.talk.as_ref().map_or("", |t| t.text.as_str())
    }

    pub fn images_count(&self) -> usize {
        self.talk.as_ref().map_or(0, |t| t.images.len())
    }
}

/// `GET …/topics` → `resp_data`: newest first.
#[derive(Debug, Clone, Deserialize)]
pub struct TopicPage {
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RankingEntry {
    pub user: User,
    /// 1-based rank; 0 in `user_specific` for a caller who has not joined.
    pub rankings: i64,
    pub checkined_days: i64,
}

/// `GET …/ranking_list?type=accumulated&index=N` → `resp_data`: 21 entries a page.
#[derive(Debug, Clone, Deserialize)]
pub struct RankingPage {
    pub ranking_list: Vec<RankingEntry>,
    #[serde(default)]
    pub user_specific: Option<RankingEntry>,
}

/// Entries per ranking page: `index` moves by this much.
pub const RANKING_PAGE_SIZE: usize = 21;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Statistics {
    pub joined_count: i64,
    pub completed_count: i64,
    pub checkined_count: i64,
}

/// `GET …/statistics` → `resp_data`.
#[derive(Debug, Clone, Deserialize)]
pub struct StatisticsAnswer {
    pub statistics: Statistics,
}

/// What `POST /v2/groups/{gid}/checkins` sends inside `req_data` (the captured
/// request, zsxq.md §1.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCheckin {
    pub title: String,
    pub text: String,
    pub checkin_days: i32,
    /// `accumulated` for camps (refunds count days, not streaks).
    #[serde(rename = "type")]
    pub kind: String,
    pub show_topics_on_timeline: bool,
    pub validity: Validity,
}
