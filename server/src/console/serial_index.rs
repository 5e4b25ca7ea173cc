//! The site's serial numbers side by side in one block of memory, kept
//! beside the ledger's map of units for the console: a million units
//! searched for a number, or put in order by it, read this block instead
//! of walking the map (each step of which fetches a string from elsewhere
//! in memory). Made on first use; forgotten when units are added or
//! removed (the ledger's writer says so), never when a unit only moves.

use super::table::{cmp_folded, contains_folded, folded_prefix};
use sparescan_core::ids::ItemId;
use sparescan_core::model::{SerialKey, SerialState};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Default)]
pub struct SerialIndex(Mutex<Option<Arc<Numbers>>>);

impl SerialIndex {
    /// The index of `all`, made now if none is kept.
    pub fn of(&self, all: &BTreeMap<SerialKey, SerialState>) -> Arc<Numbers> {
        let make = || Arc::new(Numbers::of(all));
        // A poisoned lock (a panic elsewhere) only costs the index.
        let Ok(mut kept) = self.0.lock() else {
            return make();
        };
        match kept.as_ref() {
            // Of another size it is stale whatever was said: made again.
            Some(numbers) if numbers.len() == all.len() => numbers.clone(),
            _ => {
                let numbers = make();
                *kept = Some(numbers.clone());
                numbers
            }
        }
    }

    /// Units were added or removed: the next use makes the index again.
    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.lock() {
            *kept = None;
        }
    }
}

/// Every unit's item and number, in the map's order.
pub struct Numbers {
    items: Vec<ItemId>,
    item_of: Vec<u32>,
    text: String,
    /// Where each unit's number ends in `text` (it starts where the one
    /// before ends).
    ends: Vec<usize>,
    by_number: OnceLock<Vec<u32>>,
    by_number_down: OnceLock<Vec<u32>>,
}

impl Numbers {
    fn of(all: &BTreeMap<SerialKey, SerialState>) -> Numbers {
        let mut n = Numbers {
            items: Vec::new(),
            item_of: Vec::with_capacity(all.len()),
            text: String::new(),
            ends: Vec::with_capacity(all.len()),
            by_number: OnceLock::new(),
            by_number_down: OnceLock::new(),
        };
        for key in all.keys() {
            if n.items.last() != Some(&key.item) {
                n.items.push(key.item.clone());
            }
            n.item_of
                .push(u32::try_from(n.items.len() - 1).unwrap_or(u32::MAX));
            n.text.push_str(key.serial.as_str());
            n.ends.push(n.text.len());
        }
        n
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn number(&self, unit: usize) -> &str {
        let start = match unit {
            0 => 0,
            _ => self.ends[unit - 1],
        };
        &self.text[start..self.ends[unit]]
    }

    /// The map's key of unit `unit` (one of this index's).
    pub fn key(&self, unit: usize) -> Option<SerialKey> {
        let item = self.items.get(*self.item_of.get(unit)? as usize)?;
        Some(SerialKey {
            item: item.clone(),
            serial: self.number(unit).into(),
        })
    }

    /// The units whose number holds `needle` (lower case), in the map's
    /// order.
    pub fn holding(&self, needle: &str) -> Vec<usize> {
        (0..self.len())
            .filter(|&unit| contains_folded(self.number(unit), needle))
            .collect()
    }

    /// The units in order of their number, ignoring case as the tables do;
    /// equal numbers (of different items) in the map's order. Put in order
    /// on first use.
    pub fn by_number(&self) -> &[u32] {
        self.by_number.get_or_init(|| {
            let mut order: Vec<(u128, u32)> = (0..self.len())
                .map(|unit| {
                    let at = u32::try_from(unit).unwrap_or(u32::MAX);
                    (folded_prefix(self.number(unit)), at)
                })
                .collect();
            order.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| cmp_folded(self.number(a.1 as usize), self.number(b.1 as usize)))
                    .then(a.1.cmp(&b.1))
            });
            order.into_iter().map(|(_, unit)| unit).collect()
        })
    }

    /// [`Numbers::by_number`] the other way round, equal numbers still in
    /// the map's order (as the tables keep ties).
    pub fn by_number_down(&self) -> &[u32] {
        self.by_number_down.get_or_init(|| {
            let mut down: Vec<u32> = self.by_number().iter().rev().copied().collect();
            let same = |a: u32, b: u32| {
                cmp_folded(self.number(a as usize), self.number(b as usize)).is_eq()
            };
            let mut start = 0;
            while start < down.len() {
                let mut end = start + 1;
                while end < down.len() && same(down[start], down[end]) {
                    end += 1;
                }
                down[start..end].reverse();
                start = end;
            }
            down
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparescan_core::ids::BinId;
    use sparescan_core::model::Condition;

    fn units(keys: &[(&str, &str)]) -> BTreeMap<SerialKey, SerialState> {
        keys.iter()
            .map(|(item, serial)| {
                (
                    SerialKey {
                        item: (*item).into(),
                        serial: (*serial).into(),
                    },
                    SerialState::InStock {
                        bin: BinId::from("A-01"),
                        batch: None,
                        condition: Condition::New,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn numbers_are_found_in_any_case_and_ordered_as_the_tables_order_them() {
        let all = units(&[
            ("FAN", "sn-10"),
            ("FAN", "SN-2"),
            ("PUMP", "Sn-10"),
            ("PUMP", "ab-7"),
        ]);
        let index = SerialIndex::default();
        let n = index.of(&all);
        let keys: Vec<SerialKey> = all.keys().cloned().collect();
        assert_eq!(n.len(), 4);
        for (unit, key) in keys.iter().enumerate() {
            assert_eq!(n.key(unit).as_ref(), Some(key));
        }
        assert_eq!(n.holding("sn-1"), vec![1, 2]);
        assert_eq!(n.holding("7"), vec![3]);
        let ordered: Vec<String> = n
            .by_number()
            .iter()
            .map(|&u| n.number(u as usize).to_owned())
            .collect();
        assert_eq!(ordered, ["ab-7", "sn-10", "Sn-10", "SN-2"]);
        let down: Vec<String> = n
            .by_number_down()
            .iter()
            .map(|&u| n.number(u as usize).to_owned())
            .collect();
        assert_eq!(down, ["SN-2", "sn-10", "Sn-10", "ab-7"]);
        // A unit added without a word from the writer: made again anyway.
        let mut more = all.clone();
        more.extend(units(&[("VALVE", "V-1")]));
        assert_eq!(index.of(&more).len(), 5);
        index.forget();
        assert_eq!(index.of(&all).len(), 4);
    }
}
