//! The look-ups the device's screens make besides the rules' view: open
//! orders, what a scanned code or badge names, what can be returned, the
//! inspection queue. Each is an indexed query merged with the overlay.

use super::error::CacheError;
use super::outbox::parse_time;
use super::scope::{self, Scope};
use super::view::CacheView;
use super::{Cache, sql};
use crate::presence::Sealed;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Refusal;
use sparescan_core::sync::{BadgeHolder, RowKey};
use sparescan_core::view::{Accepted, LedgerView};
use std::collections::BTreeSet;

/// A document the server rejected, waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionItem {
    pub doc: Document,
    pub refusal: Refusal,
    /// When the verdict arrived.
    pub at: DateTime<Utc>,
}

/// Which open order of an asset the device means: the one being worked on
/// first.
fn status_rank(status: WoStatus) -> u8 {
    match status {
        WoStatus::InProgress => 0,
        WoStatus::AwaitingReturn => 1,
        WoStatus::Approved => 2,
        WoStatus::OnHold => 3,
        WoStatus::Created => 4,
        WoStatus::Cancelled | WoStatus::Closed => 5,
    }
}

/// The pick of an issue kind.
fn issue_pick(doc: &Document) -> Option<&Pick> {
    match &doc.body {
        Body::Issue { pick, .. }
        | Body::SubstitutionIssue { pick, .. }
        | Body::AdditionalIssue { pick, .. }
        | Body::EmergencyIssue { pick, .. } => Some(pick),
        _ => None,
    }
}

/// Where an issue's quantity is held now (as the rules find it for a
/// return): its line, or for an emergency issue the line it was linked to.
fn holding_of(view: &CacheView<'_>, acc: &Accepted) -> Result<Option<Holding>, CacheError> {
    Ok(match &acc.doc.body {
        Body::Issue { .. } | Body::SubstitutionIssue { .. } => {
            acc.doc.line.clone().map(Holding::Line)
        }
        Body::AdditionalIssue { new_line, .. } => Some(Holding::Line(new_line.clone())),
        Body::EmergencyIssue { .. } => {
            Some(match view.emergency(&acc.doc.id)?.and_then(|e| e.linked) {
                Some((_, line)) => Holding::Line(line),
                None => Holding::Emergency(acc.doc.id),
            })
        }
        _ => None,
    })
}

impl Cache {
    /// Bins of a warehouse in a zone (the quarantine bin a return under
    /// inspection goes to by default), by id.
    pub fn bins_in(
        &self,
        warehouse: &sparescan_core::ids::WarehouseId,
        zone: sparescan_core::model::Zone,
    ) -> Result<Vec<sparescan_core::model::Bin>, CacheError> {
        let mut bins: Vec<sparescan_core::model::Bin> = self
            .view()
            .scoped::<sparescan_core::model::Bin>("bin", Scope::A(warehouse.as_str()))?
            .into_iter()
            .map(|(_, b)| b)
            .filter(|b| b.zone == zone)
            .collect();
        bins.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(bins)
    }

    /// Work orders not closed or cancelled, by id.
    pub fn open_orders(&self) -> Result<Vec<WorkOrder>, CacheError> {
        Ok(self
            .view()
            .scoped::<WorkOrder>("work_order", Scope::AnyB)?
            .into_iter()
            .map(|(_, wo)| wo)
            .collect())
    }

    /// The open work order of an asset; with several, the one in progress
    /// first.
    pub fn order_of_asset(&self, asset: &AssetId) -> Result<Option<WorkOrder>, CacheError> {
        Ok(self
            .view()
            .scoped::<WorkOrder>("work_order", Scope::A(asset.as_str()))?
            .into_iter()
            .map(|(_, wo)| wo)
            .filter(|wo| wo.state.status.is_open())
            .min_by_key(|wo| status_rank(wo.state.status)))
    }

    /// Issues of `item` that parts can still be returned against, oldest
    /// first (the outbox's last), each with what can come back: what the
    /// issue still has out, at most what is in work on its holding.
    pub fn open_issues_of_item(&self, item: &ItemId) -> Result<Vec<(Accepted, Qty)>, CacheError> {
        let view = self.view();
        let mut ids: BTreeSet<DocId> = view
            .scoped::<Accepted>("document", Scope::A(item.as_str()))?
            .into_iter()
            .map(|(_, acc)| acc.doc.id)
            .collect();
        let of_item = |doc: &Document| scope::document(doc).a.as_deref() == Some(item.as_str());
        ids.extend(
            self.settled_docs()?
                .iter()
                .filter(|a| of_item(&a.doc))
                .map(|a| a.doc.id),
        );
        ids.extend(
            self.local
                .accepted
                .values()
                .filter(|a| of_item(&a.doc))
                .map(|a| a.doc.id),
        );
        let mut out = Vec::new();
        for id in ids {
            let Some(acc) = view.accepted_doc(&id)? else {
                continue;
            };
            let Some(pick) = issue_pick(&acc.doc) else {
                continue;
            };
            if acc.reversed_by.is_some() || pick.item != *item {
                continue;
            }
            let Some(holding) = holding_of(&view, &acc)? else {
                continue;
            };
            let in_work = view.in_work(&InWorkKey {
                holding,
                item: item.clone(),
                batch: pick.batch.clone(),
            })?;
            let open = view.issue_open(&id)?.min(in_work);
            if open.is_positive() {
                out.push((acc, open));
            }
        }
        // Server documents in ledger order, then the outbox's (seq 0).
        out.sort_by_key(|(acc, _)| (acc.seq == 0, acc.seq, acc.doc.device_time));
        Ok(out)
    }

    /// The issue that handed out this serial unit and still has it out.
    pub fn issue_of_serial(
        &self,
        item: &ItemId,
        serial: &SerialNo,
    ) -> Result<Option<Accepted>, CacheError> {
        let key = SerialKey {
            item: item.clone(),
            serial: serial.clone(),
        };
        let Some(SerialState::InWork { holding, .. }) = self.view().get(&RowKey::Serial(key))?
        else {
            return Ok(None);
        };
        let view = self.view();
        let mut found = None;
        for (acc, _) in self.open_issues_of_item(item)? {
            if issue_pick(&acc.doc).is_some_and(|p| p.serials.contains(serial))
                && holding_of(&view, &acc)?.as_ref() == Some(&holding)
            {
                found = Some(acc);
            }
        }
        Ok(found)
    }

    /// The item a scanned barcode (GTIN or other printed code) names.
    pub fn items_by_code(&self, code: &str) -> Result<Option<Item>, CacheError> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached(sql::ITEM_BY_CODE)?
            .query_row([code], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(key, value)| {
            serde_json::from_str(&value).map_err(|source| CacheError::Row { key, source })
        })
        .transpose()
    }

    /// Stock in quarantine bins, waiting for an inspection decision.
    pub fn quarantine(&self) -> Result<Vec<(StockKey, Qty)>, CacheError> {
        let view = self.view();
        let mut out = Vec::new();
        let mut bins: Vec<&Bin> = self
            .snapshot
            .bins
            .values()
            .filter(|b| b.zone == Zone::Quarantine)
            .collect();
        bins.sort_by(|a, b| a.id.cmp(&b.id));
        for bin in bins {
            for (key, qty) in view.scoped::<Qty>("stock", Scope::B(bin.id.as_str()))? {
                if let RowKey::Stock(k) = key
                    && qty.is_positive()
                {
                    out.push((k, qty));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Replaces who each badge belongs to (as pulled from the server), in
    /// one transaction.
    pub fn set_badges(&mut self, holders: &[BadgeHolder]) -> Result<(), CacheError> {
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(sql::BADGES_CLEAR, [])?;
        {
            let mut put = tx.prepare_cached(sql::BADGE_PUT)?;
            for h in holders {
                put.execute([&h.badge, h.user.as_str()])?;
            }
        }
        tx.commit()?;
        drop(turn);
        Ok(())
    }

    /// Keeps a person's presence key, sealed by their PIN (the one they
    /// had before is replaced).
    pub fn put_presence(&mut self, user: &UserId, s: &Sealed) -> Result<(), CacheError> {
        let _turn = self.write_turn();
        self.conn
            .prepare_cached(sql::PRESENCE_PUT)?
            .execute(params![
                user.as_str(),
                s.key_id,
                s.expires_at.to_rfc3339(),
                s.salt,
                s.nonce,
                s.sealed
            ])?;
        Ok(())
    }

    /// A person's sealed presence key on this device, if they ever signed
    /// in online here.
    pub fn presence(&self, user: &UserId) -> Result<Option<Sealed>, CacheError> {
        type Row = (String, String, Vec<u8>, Vec<u8>, Vec<u8>);
        let found: Option<Row> = self
            .conn
            .prepare_cached(sql::PRESENCE_GET)?
            .query_row([user.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        found
            .map(|(key_id, expires, salt, nonce, sealed)| {
                Ok(Sealed {
                    key_id,
                    expires_at: parse_time(user.as_str(), &expires)?,
                    salt,
                    nonce,
                    sealed,
                })
            })
            .transpose()
    }

    /// The user a badge belongs to.
    pub fn user_by_badge(&self, badge: &str) -> Result<Option<User>, CacheError> {
        let user: Option<String> = self
            .conn
            .prepare_cached(sql::BADGE_USER)?
            .query_row([badge], |r| r.get(0))
            .optional()?;
        match user {
            Some(u) => self.view().get(&RowKey::User(UserId::from(u))),
            None => Ok(None),
        }
    }
}
