//! Value encodings and order-preserving key layouts.

use agentmart_core::ids::AgentId;
use agentmart_core::model::AgentStats;
use agentmart_core::storage::{CatalogSort, SortKey, SortValue, StorageError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Serialises a record as JSON (records hold `serde_json::Value`s, so a
/// self-describing format is needed).
pub(crate) fn enc<T: Serialize>(value: &T) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(value).map_err(StorageError::backend)
}

/// Deserialises a JSON record.
pub(crate) fn dec<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(StorageError::backend)
}

/// A corrupt fixed-size value.
pub(crate) fn corrupt(what: &str) -> StorageError {
    StorageError::backend(format!("corrupt {what} value in the sled store"))
}

/// Concatenates key parts.
pub(crate) fn key(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// Microseconds since the epoch.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Inverse of [`micros`].
pub(crate) fn from_micros(m: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::<Utc>::from_timestamp_micros(m).ok_or_else(|| corrupt("timestamp"))
}

/// i64 as big-endian bytes that sort like the numbers.
pub(crate) fn i64_asc(x: i64) -> [u8; 8] {
    ((x as u64) ^ (1 << 63)).to_be_bytes()
}

/// i64 as big-endian bytes that sort in descending numeric order.
pub(crate) fn i64_desc(x: i64) -> [u8; 8] {
    (!((x as u64) ^ (1 << 63))).to_be_bytes()
}

/// f64 as big-endian bytes that sort like `f64::total_cmp`, descending.
pub(crate) fn f64_desc(x: f64) -> [u8; 8] {
    let bits = x.to_bits();
    let asc = if bits >> 63 == 1 { !bits } else { bits | (1 << 63) };
    (!asc).to_be_bytes()
}

/// f32 as big-endian bytes that sort like `f32::total_cmp`, descending.
pub(crate) fn f32_desc(x: f32) -> [u8; 4] {
    let bits = x.to_bits();
    let asc = if bits >> 31 == 1 { !bits } else { bits | (1 << 31) };
    (!asc).to_be_bytes()
}

/// Inverse of [`f32_desc`].
pub(crate) fn f32_from_desc(b: [u8; 4]) -> f32 {
    let asc = !u32::from_be_bytes(b);
    f32::from_bits(if asc >> 31 == 1 { asc & !(1 << 31) } else { !asc })
}

/// Bytes of a string that sort like the string and are prefix-free
/// (0x00 is escaped as 0x00 0xFF, the end is 0x00 0x00).
pub(crate) fn str_asc(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Reads a fixed 16-byte id at `at`.
pub(crate) fn id16(bytes: &[u8], at: usize) -> Result<[u8; 16], StorageError> {
    bytes.get(at..at + 16).and_then(|s| <[u8; 16]>::try_from(s).ok()).ok_or_else(|| corrupt("key"))
}

/// Reads the trailing 16-byte id of a key.
pub(crate) fn tail16(bytes: &[u8]) -> Result<[u8; 16], StorageError> {
    if bytes.len() < 16 {
        return Err(corrupt("key"));
    }
    id16(bytes, bytes.len() - 16)
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i * 8..i * 8 + 8]);
    u64::from_be_bytes(a)
}

/// Fixed 80-byte encoding of the per-agent counters (hot path: no JSON).
pub(crate) fn enc_stats(s: &AgentStats) -> [u8; 80] {
    let mut out = [0u8; 80];
    let vals = [
        s.install_count,
        s.rating_count,
        s.rating_sum,
        s.histogram[0],
        s.histogram[1],
        s.histogram[2],
        s.histogram[3],
        s.histogram[4],
        s.usage_events,
        s.trending.to_bits(),
    ];
    for (i, v) in vals.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Inverse of [`enc_stats`]; an absent value is all zeros.
pub(crate) fn dec_stats(b: Option<&[u8]>) -> Result<AgentStats, StorageError> {
    let Some(b) = b else { return Ok(AgentStats::default()) };
    if b.len() != 80 {
        return Err(corrupt("stats"));
    }
    Ok(AgentStats {
        install_count: u64_at(b, 0),
        rating_count: u64_at(b, 1),
        rating_sum: u64_at(b, 2),
        histogram: [u64_at(b, 3), u64_at(b, 4), u64_at(b, 5), u64_at(b, 6), u64_at(b, 7)],
        usage_events: u64_at(b, 8),
        trending: f64::from_bits(u64_at(b, 9)),
    })
}

/// What the catalogue keeps about a publicly listed agent, to rebuild its sort keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Listing {
    /// Deprecated agents sort last.
    pub deprecated: bool,
    /// First publish time (the `newest` order).
    pub published_at: DateTime<Utc>,
    /// Lower-cased name (the `name` order).
    pub name_lower: String,
}

impl Listing {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.name_lower.len());
        out.push(u8::from(self.deprecated));
        out.extend_from_slice(&micros(self.published_at).to_be_bytes());
        out.extend_from_slice(self.name_lower.as_bytes());
        out
    }

    pub(crate) fn decode(b: &[u8]) -> Result<Self, StorageError> {
        if b.len() < 9 {
            return Err(corrupt("listing"));
        }
        let mut m = [0u8; 8];
        m.copy_from_slice(&b[1..9]);
        Ok(Listing {
            deprecated: b[0] == 1,
            published_at: from_micros(i64::from_be_bytes(m))?,
            name_lower: String::from_utf8(b[9..].to_vec()).map_err(|_| corrupt("listing"))?,
        })
    }

    /// The agent's position in an indexed order.
    pub(crate) fn sort_key(&self, id: AgentId, sort: CatalogSort, stats: &AgentStats) -> SortKey {
        let value = match sort {
            CatalogSort::Popular => SortValue::Installs(stats.install_count),
            CatalogSort::Rating => SortValue::Rating(agentmart_core::ranking::damped_rating(stats)),
            CatalogSort::Newest => SortValue::Published(self.published_at),
            CatalogSort::Trending => SortValue::Trending(stats.trending),
            CatalogSort::Name => SortValue::Name(self.name_lower.clone()),
            CatalogSort::Relevance => SortValue::Score(0.0),
        };
        SortKey { deprecated: self.deprecated, value, id }
    }
}

/// The sorts kept as indexes.
pub(crate) const INDEXED_SORTS: [CatalogSort; 5] =
    [CatalogSort::Popular, CatalogSort::Rating, CatalogSort::Newest, CatalogSort::Trending, CatalogSort::Name];

/// Prefix byte of a sort's index.
pub(crate) fn sort_tag(sort: CatalogSort) -> u8 {
    match sort {
        CatalogSort::Popular => 1,
        CatalogSort::Rating => 2,
        CatalogSort::Newest => 3,
        CatalogSort::Trending => 4,
        CatalogSort::Name => 5,
        CatalogSort::Relevance => 6,
    }
}

/// The index key of a sort position: `tag | deprecated | value | id`, whose
/// byte order equals `ranking::compare_keys`.
pub(crate) fn sort_index_key(sort: CatalogSort, key: &SortKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    out.push(sort_tag(sort));
    out.push(u8::from(key.deprecated));
    match &key.value {
        SortValue::Installs(n) => out.extend_from_slice(&(!n).to_be_bytes()),
        SortValue::Rating(x) | SortValue::Trending(x) | SortValue::Score(x) => out.extend_from_slice(&f64_desc(*x)),
        SortValue::Published(t) => out.extend_from_slice(&i64_desc(micros(*t))),
        SortValue::Name(s) => str_asc(s, &mut out),
    }
    out.extend_from_slice(&key.id.to_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentmart_core::ranking::compare_keys;

    #[test]
    fn f64_encoding_orders_like_total_cmp_descending() {
        let xs = [-10.5, -0.0, 0.0, 1e-9, 3.0, 3.0000001, 1e300, f64::INFINITY];
        for a in xs {
            for b in xs {
                assert_eq!(f64_desc(a).cmp(&f64_desc(b)), b.total_cmp(&a), "{a} {b}");
            }
        }
    }

    #[test]
    fn sort_index_keys_order_like_compare_keys() {
        let ids = [AgentId::new(), AgentId::new()];
        let names = ["", "a", "a\0", "ab", "B", "zz"];
        let mut keys = Vec::new();
        for dep in [false, true] {
            for id in ids {
                for n in names {
                    keys.push(SortKey { deprecated: dep, value: SortValue::Name(n.into()), id });
                }
                for i in [0u64, 1, 7, u64::MAX] {
                    keys.push(SortKey { deprecated: dep, value: SortValue::Installs(i), id });
                }
            }
        }
        for a in &keys {
            for b in &keys {
                if std::mem::discriminant(&a.value) != std::mem::discriminant(&b.value) {
                    continue;
                }
                let s = if matches!(a.value, SortValue::Name(_)) { CatalogSort::Name } else { CatalogSort::Popular };
                assert_eq!(sort_index_key(s, a).cmp(&sort_index_key(s, b)), compare_keys(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn f32_encoding_orders_descending_and_round_trips() {
        let xs = [-3.5f32, -0.0, 0.0, 1.0, 8.0, 12.5, f32::MAX];
        for a in xs {
            assert_eq!(f32_from_desc(f32_desc(a)).to_bits(), a.to_bits());
            for b in xs {
                assert_eq!(f32_desc(a).cmp(&f32_desc(b)), b.total_cmp(&a));
            }
        }
    }

    #[test]
    fn stats_round_trip() {
        let s = AgentStats {
            install_count: 3,
            rating_count: 2,
            rating_sum: 9,
            histogram: [0, 0, 0, 1, 1],
            usage_events: 7,
            trending: 12.25,
        };
        assert_eq!(dec_stats(Some(&enc_stats(&s))).unwrap(), s);
        assert_eq!(dec_stats(None).unwrap(), AgentStats::default());
    }
}
