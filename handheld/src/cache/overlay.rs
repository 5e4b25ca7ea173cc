//! The overlay: the rows as the outbox changes them, on top of the server's
//! rows. Keyed by row key text, with the same scopes as stored rows so the
//! view's scoped look-ups can merge both; a `None` value hides a row.

use super::scope::{Scope, Scopes};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: &'static str,
    pub scopes: Scopes,
    /// `None`: the outbox deleted the row.
    pub value: Option<Value>,
}

#[derive(Debug, Default)]
pub struct Overlay {
    rows: HashMap<String, Entry>,
    // (kind, scope, key) of entries that hold a value, for scoped look-ups.
    by_a: BTreeSet<(&'static str, String, String)>,
    by_b: BTreeSet<(&'static str, String, String)>,
}

impl Overlay {
    pub fn clear(&mut self) {
        *self = Overlay::default();
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.rows.get(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }

    pub fn put(&mut self, key: String, entry: Entry) {
        if let Some(old) = self.rows.get(&key) {
            if let Some(a) = &old.scopes.a {
                self.by_a.remove(&(old.kind, a.clone(), key.clone()));
            }
            if let Some(b) = &old.scopes.b {
                self.by_b.remove(&(old.kind, b.clone(), key.clone()));
            }
        }
        if entry.value.is_some() {
            if let Some(a) = &entry.scopes.a {
                self.by_a.insert((entry.kind, a.clone(), key.clone()));
            }
            if let Some(b) = &entry.scopes.b {
                self.by_b.insert((entry.kind, b.clone(), key.clone()));
            }
        }
        self.rows.insert(key, entry);
    }

    /// Keys and values of the entries of `kind` matching `scope`.
    pub fn scoped<'s>(
        &'s self,
        kind: &'static str,
        scope: Scope<'_>,
    ) -> impl Iterator<Item = (&'s str, &'s Value)> + 's {
        let (index, value) = match scope {
            Scope::A(v) => (&self.by_a, Some(v.to_owned())),
            Scope::B(v) => (&self.by_b, Some(v.to_owned())),
            Scope::AnyA => (&self.by_a, None),
            Scope::AnyB => (&self.by_b, None),
        };
        let from = (kind, value.clone().unwrap_or_default(), String::new());
        index
            .range(from..)
            .take_while(move |(k, s, _)| *k == kind && value.as_ref().is_none_or(|v| v == s))
            .filter_map(|(_, _, key)| {
                let entry = self.rows.get(key)?;
                Some((key.as_str(), entry.value.as_ref()?))
            })
    }
}
