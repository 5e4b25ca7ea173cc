//! Which clock a document may claim. A document is dated by its device's
//! time (when the work happened, offline or not), but that time is the
//! device's word: the server holds it to its own receive time. Pure: the
//! caller passes the receive time in.

use crate::document::{Body, Document};
use crate::reason::{ReasonCode, Refusal};
use chrono::{DateTime, Duration, Utc};

/// How far a device clock may run ahead of the server's.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;
/// A site's offline limit unless its policy says otherwise.
pub const DEFAULT_OFFLINE_LIMIT_DAYS: u32 = 30;

/// Whether `doc`'s device time fits the time the server received it:
/// not later than `received_at` plus [`MAX_CLOCK_SKEW_MINUTES`], not
/// earlier than `offline_limit_days` before it. A period close may not
/// reach the server's today, whatever the document's own date says.
pub fn check_times(
    doc: &Document,
    received_at: DateTime<Utc>,
    offline_limit_days: u32,
) -> Result<(), Refusal> {
    let latest = received_at + Duration::minutes(MAX_CLOCK_SKEW_MINUTES);
    if doc.device_time > latest {
        return Err(Refusal::new(ReasonCode::DeviceTimeFuture).detail(format!(
            "dated {}, received {}",
            doc.device_time.format("%Y-%m-%d %H:%M UTC"),
            received_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let earliest = received_at - Duration::days(i64::from(offline_limit_days));
    if doc.device_time < earliest {
        return Err(Refusal::new(ReasonCode::DeviceTimeTooOld).detail(format!(
            "dated {}, the site accepts {offline_limit_days} days offline",
            doc.device_time.format("%Y-%m-%d")
        )));
    }
    if let Body::PeriodClose { until } = &doc.body {
        let today = received_at.date_naive();
        if *until >= today {
            return Err(Refusal::new(ReasonCode::PeriodInFuture)
                .detail(format!("through {until}, the server's today is {today}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Body;
    use crate::ids::DocId;

    fn doc(at: DateTime<Utc>, body: Body) -> Document {
        Document {
            id: DocId::new_v7(),
            author: "acct-1".into(),
            device: "backoffice".into(),
            site: "S".into(),
            device_time: at,
            work_order: None,
            line: None,
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            proof: None,
            body,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .expect("a time")
            .with_timezone(&Utc)
    }

    fn code(r: Result<(), Refusal>) -> Option<ReasonCode> {
        r.err().map(|r| r.code)
    }

    #[test]
    fn device_time_is_held_to_the_receive_time() {
        let now = now();
        let at = |d: Duration| doc(now + d, Body::Correction);
        assert_eq!(code(check_times(&at(Duration::zero()), now, 30)), None);
        assert_eq!(code(check_times(&at(Duration::minutes(4)), now, 30)), None);
        assert_eq!(
            code(check_times(&at(Duration::minutes(6)), now, 30)),
            Some(ReasonCode::DeviceTimeFuture)
        );
        assert_eq!(code(check_times(&at(Duration::days(-29)), now, 30)), None);
        assert_eq!(
            code(check_times(&at(Duration::days(-31)), now, 30)),
            Some(ReasonCode::DeviceTimeTooOld)
        );
        assert_eq!(code(check_times(&at(Duration::days(-31)), now, 60)), None);
    }

    #[test]
    fn a_period_close_stops_before_the_servers_today() {
        let now = now();
        let today = now.date_naive();
        let close = |until| doc(now, Body::PeriodClose { until });
        assert_eq!(
            code(check_times(&close(today), now, 30)),
            Some(ReasonCode::PeriodInFuture)
        );
        let yesterday = today.pred_opt().expect("a day before");
        assert_eq!(code(check_times(&close(yesterday), now, 30)), None);
    }
}
