//! Units of measure and their precision: a piece or a kit moves in whole
//! units, metres and litres in thousandths. The site lists its whole units
//! (`SitePolicy::whole_units`); every other unit takes the ledger's three
//! decimals.

use super::Rule;
use crate::effect::Effect;
use crate::ids::ItemId;
use crate::model::SitePolicy;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

/// Whole units of a new site.
pub const DEFAULT_WHOLE_UNITS: &[&str] = &["pcs", "ea", "kit", "set", "pair", "pack"];

/// Whether `unit` moves in whole units only at this site (letter case and
/// spaces around the code do not matter).
pub fn is_whole(policy: &SitePolicy, unit: &str) -> bool {
    let unit = unit.trim();
    policy
        .whole_units
        .iter()
        .any(|w| w.trim().eq_ignore_ascii_case(unit))
}

/// Refuses a quantity of `item` (counted in `unit`) finer than its unit
/// allows.
pub fn check_qty(policy: &SitePolicy, item: &ItemId, unit: &str, qty: Qty) -> Result<(), Refusal> {
    if qty.is_whole() || !is_whole(policy, unit) {
        return Ok(());
    }
    Err(Refusal::new(ReasonCode::QuantityNotWhole).detail(format!(
        "{item} is counted in {unit}, whole units only: {qty} is not whole"
    )))
}

/// Every quantity a document moves, against its item's unit.
pub(crate) fn check_effects(
    view: &impl LedgerView,
    policy: &SitePolicy,
    effects: &[Effect],
) -> Rule {
    for e in effects {
        let (item, delta) = match e {
            Effect::Stock { key, delta } => (key.item.clone(), *delta),
            Effect::InWork { key, delta } => (key.item.clone(), *delta),
            Effect::LineCount { line, delta, .. } => match view.line(line)? {
                Some(l) => (l.item, *delta),
                None => continue,
            },
            _ => continue,
        };
        if delta.is_whole() {
            continue;
        }
        if let Some(found) = view.item(&item)? {
            check_qty(policy, &item, &found.unit, delta)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_units_refuse_fractions_and_the_others_take_them() {
        let p = SitePolicy::default();
        let item = ItemId::new("KIT-UPS-SVC");
        assert!(check_qty(&p, &item, "kit", Qty::units(2)).is_ok());
        let r = check_qty(&p, &item, "kit", Qty::from_milli(500)).expect_err("half a kit");
        assert_eq!(r.code, ReasonCode::QuantityNotWhole);
        assert!(r.message.contains("0.5"), "{r:?}");
        assert!(check_qty(&p, &item, " PCS ", Qty::from_milli(1)).is_err());
        assert!(check_qty(&p, &item, "m", Qty::from_milli(1_500)).is_ok());
        assert!(check_qty(&p, &item, "l", Qty::from_milli(1)).is_ok());
    }
}
