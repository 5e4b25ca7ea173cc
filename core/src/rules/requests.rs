//! Maintenance requests: what may happen to one, by its status. A request
//! is open until a work order is made from it or it is declined; either
//! happens once.

use crate::ids::AssetId;
use crate::model::{MaintenanceRequest, RequestStatus};
use crate::reason::{ReasonCode, Refusal};

/// May a work order for `asset` be made from `request`?
pub fn check_order_from(request: &MaintenanceRequest, asset: &AssetId) -> Result<(), Refusal> {
    check_open(request)?;
    if request.asset != *asset {
        return Err(
            Refusal::new(ReasonCode::RequestAssetMismatch).detail(format!(
                "request {} is about asset {}, the order about {asset}",
                request.id, request.asset
            )),
        );
    }
    Ok(())
}

/// May `request` be declined?
pub fn check_decline(request: &MaintenanceRequest) -> Result<(), Refusal> {
    check_open(request)
}

fn check_open(request: &MaintenanceRequest) -> Result<(), Refusal> {
    match (request.status(), &request.work_order, &request.declined) {
        (RequestStatus::Open, ..) => Ok(()),
        (_, Some(wo), _) => Err(Refusal::new(ReasonCode::RequestNotOpen)
            .detail(format!("request {} became work order {wo}", request.id))),
        (_, None, Some(d)) => Err(Refusal::new(ReasonCode::RequestNotOpen).detail(format!(
            "request {} was declined by {} on {}",
            request.id,
            d.by,
            d.at.format("%Y-%m-%d")
        ))),
        (_, None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::{Declined, Priority, Requester};
    use chrono::{TimeZone, Utc};

    fn request() -> MaintenanceRequest {
        MaintenanceRequest {
            id: RequestId::new("REQ-1"),
            site: SiteId::new("S"),
            asset: AssetId::new("PUMP-1"),
            symptoms: "vibration 9 mm/s".into(),
            priority: Priority::High,
            requested_by: Requester::System("scada".into()),
            at: Utc
                .with_ymd_and_hms(2026, 12, 1, 8, 0, 0)
                .single()
                .expect("time"),
            work_order: None,
            declined: None,
        }
    }

    #[test]
    fn an_open_request_becomes_one_order_for_its_own_asset() {
        let r = request();
        assert_eq!(r.status(), RequestStatus::Open);
        assert!(check_order_from(&r, &AssetId::new("PUMP-1")).is_ok());
        let other = check_order_from(&r, &AssetId::new("FAN-9")).expect_err("other asset");
        assert_eq!(other.code, ReasonCode::RequestAssetMismatch);
        let ordered = MaintenanceRequest {
            work_order: Some(WorkOrderId::new("WO-7")),
            ..r
        };
        assert_eq!(ordered.status(), RequestStatus::Ordered);
        let again = check_order_from(&ordered, &AssetId::new("PUMP-1")).expect_err("twice");
        assert_eq!(again.code, ReasonCode::RequestNotOpen);
        assert!(again.message.contains("WO-7"), "{}", again.message);
        assert!(check_decline(&ordered).is_err());
    }

    #[test]
    fn a_declined_request_is_not_ordered_or_declined_again() {
        let declined = MaintenanceRequest {
            declined: Some(Declined {
                by: UserId::new("disp-1"),
                at: Utc
                    .with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
                    .single()
                    .expect("time"),
                reason: "duplicate of REQ-0".into(),
            }),
            ..request()
        };
        assert_eq!(declined.status(), RequestStatus::Declined);
        for refusal in [
            check_decline(&declined).expect_err("declined twice"),
            check_order_from(&declined, &AssetId::new("PUMP-1")).expect_err("ordered"),
        ] {
            assert_eq!(refusal.code, ReasonCode::RequestNotOpen);
            assert!(refusal.message.contains("disp-1"), "{}", refusal.message);
        }
    }
}
