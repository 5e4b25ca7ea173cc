//! The closure check: every blocker of a work order, used both to refuse
//! closure and to show the supervisor what is left.

use crate::ids::WorkOrderId;
use crate::model::Holding;
use crate::reason::Blocker;
use crate::view::{LedgerView, ViewError};

pub fn closure_blockers(
    view: &impl LedgerView,
    wo: &WorkOrderId,
) -> Result<Vec<Blocker>, ViewError> {
    let mut blockers = Vec::new();
    let asset = view.work_order(wo)?.map(|w| w.asset);
    for line in view.lines_of(wo)? {
        for (key, qty) in view.in_work_of(&Holding::Line(line.id.clone()))? {
            if qty.is_positive() {
                blockers.push(Blocker::InWork {
                    line: line.id.clone(),
                    item: key.item,
                    qty,
                });
            }
        }
        for r in view.reserves_of_line(&line.id)? {
            if r.is_active() {
                blockers.push(Blocker::ReserveHeld {
                    reserve: r.id,
                    line: line.id.clone(),
                    open: r.open,
                });
            }
        }
    }
    for m in view.missing_serials_of(wo)? {
        blockers.push(Blocker::WriteOffLacksSerial {
            write_off: m.write_off,
            item: m.item,
            missing: m.missing,
        });
    }
    for e in view.emergencies()? {
        let concerns = e.work_order.as_ref() == Some(wo)
            || (e.asset.is_some() && e.asset == asset && e.work_order.is_none());
        if e.linked.is_none() && concerns {
            blockers.push(Blocker::EmergencyNotLinked {
                emergency: e.doc,
                item: e.item,
            });
        }
    }
    for key in view.removed_units_of(wo)? {
        blockers.push(Blocker::RemovedUnitNotReturned {
            item: key.item,
            serial: key.serial,
        });
    }
    for t in view.tools_out()? {
        if t.work_order.as_ref() == Some(wo) {
            blockers.push(Blocker::ToolOut {
                checkout: t.checkout,
                item: t.item,
            });
        }
    }
    Ok(blockers)
}
