//! Proof of presence, the server's half (docs/security.md): a presence key
//! is issued when a person signs in online on an enrolled device, and a
//! pushed document is judged only when its author's (and approver's) MAC
//! verifies with a live key of theirs for that device.

use super::{ApiError, AppState};
use crate::store::{Device, PresenceKeyRecord};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sparescan_core::document::Document;
use sparescan_core::ids::DocId;
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::presence::{self, KeyMac};
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::rules::roles;
use sparescan_core::sync::PresenceKey;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::time::Instant;

/// Issues a key to `user` on `device`, good for the site's
/// `offline_sign_in_days`; the person's earlier key there is superseded.
pub async fn issue(
    state: &AppState,
    site: &SiteId,
    user: &UserId,
    device: &str,
) -> Result<PresenceKey, ApiError> {
    let days = state
        .ledger
        .read(site, |s| s.ledger.policy().offline_sign_in_days)?
        .max(1);
    let now = Utc::now();
    let key: [u8; presence::KEY_LEN] = rand::rng().random();
    let record = PresenceKeyRecord {
        id: format!("pk-{}", uuid::Uuid::now_v7().simple()),
        site: site.clone(),
        user: user.to_string(),
        device: device.to_owned(),
        key: key.to_vec(),
        issued_at: now,
        expires_at: now + Duration::days(i64::from(days)),
        revoked_at: None,
    };
    let wire = PresenceKey {
        id: record.id.clone(),
        key: presence::hex_lower(&key),
        expires_at: record.expires_at,
    };
    state
        .ledger
        .write(move |s| s.add_presence_key(&record))
        .await?;
    Ok(wire)
}

/// What stands between each pushed document and the rules: `Some` refusal
/// for those that may not be judged. A document held for someone's sign-in
/// holds back the later documents of the same people and those that follow
/// it (`waiting_for_earlier`), so what depends on it is still judged after
/// it; the others' documents go on — one absent person does not stop a
/// shared device.
pub async fn check_push(
    state: &AppState,
    device: &Device,
    docs: &[Document],
) -> Result<Vec<Option<Refusal>>, ApiError> {
    let keys = load_keys(state, docs).await?;
    let now = Utc::now();
    let mut held_people: HashSet<&UserId> = HashSet::new();
    let mut held_docs: HashSet<DocId> = HashSet::new();
    Ok(docs
        .iter()
        .map(|doc| {
            let people = std::iter::once(&doc.author).chain(doc.approver.as_ref());
            let behind = people.clone().any(|p| held_people.contains(p))
                || doc.follows.is_some_and(|f| held_docs.contains(&f));
            let verdict = if behind {
                Some(Refusal::new(ReasonCode::WaitingForEarlier))
            } else {
                roles::check_from_device(&doc.body)
                    .and_then(|()| check_doc(doc, device, &keys, now))
                    .err()
            };
            if verdict
                .as_ref()
                .is_some_and(|r| ReasonCode::HELD_FOR_SIGN_IN.contains(&r.code))
            {
                held_people.extend(people);
                held_docs.insert(doc.id);
            }
            verdict
        })
        .collect())
}

/// Presence keys recently read, by id: a busy device's pushes need not
/// each read the database (the read through the reader pool was most of
/// what proofs cost a push). An entry serves only while no write other
/// than a push has reached the store since it was read — any of those may
/// have withdrawn a key (a newer sign-in, a PIN reset, a role change, a
/// revoked device) — and for at most [`KeyCache::TTL`], for a key
/// withdrawn by another process (the CLI) or written into the database.
#[derive(Default)]
pub struct KeyCache {
    entries: RwLock<HashMap<String, CachedKey>>,
}

struct CachedKey {
    key: PresenceKeyRecord,
    /// `Ledger::store_writes` when the key was read.
    writes: u64,
    at: Instant,
}

impl KeyCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);
    /// Entries kept at most; past it the stale ones go, then all.
    const MAX: usize = 10_000;

    fn get(&self, id: &str, writes: u64) -> Option<PresenceKeyRecord> {
        let entries = self.entries.read().ok()?;
        let e = entries.get(id)?;
        (e.writes == writes && e.at.elapsed() < Self::TTL).then(|| e.key.clone())
    }

    fn put(&self, found: &HashMap<String, PresenceKeyRecord>, writes: u64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() + found.len() > Self::MAX {
            entries.retain(|_, e| e.writes == writes && e.at.elapsed() < Self::TTL);
            if entries.len() + found.len() > Self::MAX {
                entries.clear();
            }
        }
        let at = Instant::now();
        // Only keys that can prove: the others are refused anyway, and a
        // refusal is rare enough to read again.
        let live = found
            .iter()
            .filter(|(_, k)| k.key.len() == presence::KEY_LEN && k.revoked_at.is_none());
        for (id, key) in live {
            entries.insert(
                id.clone(),
                CachedKey {
                    key: key.clone(),
                    writes,
                    at,
                },
            );
        }
    }
}

/// The keys a push names: from the cache, the others read once.
async fn load_keys(
    state: &AppState,
    docs: &[Document],
) -> Result<HashMap<String, PresenceKeyRecord>, ApiError> {
    let mut ids: Vec<String> = docs
        .iter()
        .filter_map(|d| d.proof.as_ref())
        .flat_map(|p| std::iter::once(&p.author).chain(p.approver.as_ref()))
        .map(|m| m.key.clone())
        // Longer than any id we issue: not looked up (the proof fails).
        .filter(|k| k.len() <= 64)
        .collect();
    ids.sort();
    ids.dedup();
    // Taken before the read: a write that lands during it makes what was
    // read stale at once.
    let writes = state.ledger.store_writes();
    let mut keys = HashMap::new();
    ids.retain(|id| match state.presence_keys.get(id, writes) {
        Some(k) => {
            keys.insert(id.clone(), k);
            false
        }
        None => true,
    });
    if ids.is_empty() {
        return Ok(keys);
    }
    let found = state
        .readers
        .with(move |s| {
            let mut found = HashMap::new();
            for id in ids {
                if let Some(k) = s.presence_key(&id)? {
                    found.insert(id, k);
                }
            }
            Ok(found)
        })
        .await?;
    state.presence_keys.put(&found, writes);
    keys.extend(found);
    Ok(keys)
}

fn check_doc(
    doc: &Document,
    device: &Device,
    keys: &HashMap<String, PresenceKeyRecord>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let proof = doc.proof.as_ref();
    check_mac(
        doc,
        proof.map(|p| &p.author),
        &doc.author,
        "author",
        device,
        keys,
        now,
    )?;
    if let Some(approver) = &doc.approver {
        check_mac(
            doc,
            proof.and_then(|p| p.approver.as_ref()),
            approver,
            "approver",
            device,
            keys,
            now,
        )?;
    }
    Ok(())
}

fn check_mac(
    doc: &Document,
    mac: Option<&KeyMac>,
    person: &UserId,
    role: &str,
    device: &Device,
    keys: &HashMap<String, PresenceKeyRecord>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let refuse = |code: ReasonCode, why: String| {
        Err(Refusal::new(code).detail(format!("{role} {person}: {why}")))
    };
    let Some(mac) = mac else {
        return refuse(
            ReasonCode::ProofMissing,
            "no proof of presence on this device".into(),
        );
    };
    let Some(key) = keys.get(&mac.key) else {
        return refuse(
            ReasonCode::ProofRevoked,
            "the key is not known to the server".into(),
        );
    };
    // A key is someone's on one device of one site; any other use is a
    // forgery, whatever the MAC says.
    if key.user != person.as_str() || key.device != device.id || key.site != device.site {
        return refuse(
            ReasonCode::ProofInvalid,
            "the key belongs to another person or device".into(),
        );
    }
    // A key that did not open (written into the database, or damaged) is
    // empty: a MAC under an empty key is anybody's to make.
    if key.key.len() != presence::KEY_LEN {
        return refuse(
            ReasonCode::ProofInvalid,
            "the key was not issued by this server".into(),
        );
    }
    if !presence::verify(&key.key, doc, &mac.mac) {
        return refuse(
            ReasonCode::ProofInvalid,
            "the MAC does not match the document".into(),
        );
    }
    if key.revoked_at.is_some_and(|at| at <= now) {
        return refuse(ReasonCode::ProofRevoked, "the key was withdrawn".into());
    }
    // A device clock far ahead is the time rules' to refuse
    // (`device_time_future`), not a sign-in to wait for.
    let plausible = doc.device_time
        <= now + Duration::minutes(sparescan_core::rules::time::MAX_CLOCK_SKEW_MINUTES);
    if doc.device_time > key.expires_at && plausible {
        return refuse(
            ReasonCode::ProofExpired,
            format!(
                "recorded {}, the sign-in was good until {}",
                doc.device_time.format("%Y-%m-%d %H:%M UTC"),
                key.expires_at.format("%Y-%m-%d %H:%M UTC")
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparescan_core::document::{Body, Transition};

    fn setup() -> (Document, Device, HashMap<String, PresenceKeyRecord>) {
        let now = Utc::now();
        let doc = Document {
            id: sparescan_core::ids::DocId::new_v7(),
            author: "tech-1".into(),
            device: "dev-1".into(),
            site: "S".into(),
            device_time: now,
            work_order: Some("WO-1".into()),
            line: None,
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            body: Body::WoStatusChange {
                transition: Transition::Start,
            },
            proof: None,
        };
        let device = Device {
            id: "dev-1".into(),
            site: "S".into(),
            name: "HH".into(),
            revoked: false,
        };
        let key = PresenceKeyRecord {
            id: "pk-1".into(),
            site: "S".into(),
            user: "tech-1".into(),
            device: "dev-1".into(),
            key: vec![3; 32],
            issued_at: now - Duration::days(1),
            expires_at: now + Duration::days(6),
            revoked_at: None,
        };
        let doc = presence::prove(doc, ("pk-1", &key.key), None);
        (doc, device, HashMap::from([("pk-1".to_owned(), key)]))
    }

    fn code(r: Result<(), Refusal>) -> Option<ReasonCode> {
        r.err().map(|r| r.code)
    }

    #[test]
    fn a_live_key_of_the_author_on_this_device_proves() {
        let (doc, device, keys) = setup();
        assert_eq!(code(check_doc(&doc, &device, &keys, Utc::now())), None);
    }

    #[test]
    fn a_document_dated_after_the_key_expired_is_held() {
        let (doc, device, mut keys) = setup();
        if let Some(k) = keys.get_mut("pk-1") {
            k.expires_at = doc.device_time - Duration::seconds(1);
        }
        assert_eq!(
            code(check_doc(&doc, &device, &keys, Utc::now())),
            Some(ReasonCode::ProofExpired)
        );
    }

    #[test]
    fn a_withdrawn_or_unknown_key_is_held_and_a_foreign_one_refused() {
        let (doc, device, mut keys) = setup();
        let now = Utc::now();
        if let Some(k) = keys.get_mut("pk-1") {
            k.revoked_at = Some(now - Duration::seconds(1));
        }
        assert_eq!(
            code(check_doc(&doc, &device, &keys, now)),
            Some(ReasonCode::ProofRevoked)
        );
        assert_eq!(
            code(check_doc(&doc, &device, &HashMap::new(), now)),
            Some(ReasonCode::ProofRevoked)
        );
        let (doc, _, keys) = setup();
        let other = Device {
            id: "dev-2".into(),
            ..device
        };
        assert_eq!(
            code(check_doc(&doc, &other, &keys, now)),
            Some(ReasonCode::ProofInvalid)
        );
    }
}
