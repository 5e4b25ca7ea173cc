//! Time (issue 14, item 5), over real HTTPS against the server on
//! 127.0.0.1: device times ahead of the server or older than the site's
//! offline limit, a period close past the server's today.

use crate::common::*;
use sparescan_core::document::Body;
use sparescan_core::qty::Qty;
use sparescan_core::sync::Verdict;
use sparescan_server::demo::SITE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_times_out_of_range_are_refused() {
    let ts = TestServer::start().await;
    let (dev, id) = enrolled(&ts, SITE, "HH-1").await;
    let far = chrono::DateTime::parse_from_rfc3339("9999-12-31T12:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let mut future = count_doc(&id, "clerk-1", "BRG-6204", "A-02", Qty::units(12));
    future.device_time = far;
    let mut ahead = count_doc(&id, "clerk-1", "BRG-6204", "A-02", Qty::units(12));
    ahead.device_time = chrono::Utc::now() + chrono::Duration::minutes(30);
    let mut old = count_doc(&id, "clerk-1", "BRG-6204", "A-02", Qty::units(12));
    old.device_time = chrono::Utc::now() - chrono::Duration::days(45);
    let mut skewed = count_doc(&id, "clerk-1", "BRG-6204", "A-02", Qty::units(12));
    skewed.device_time = chrono::Utc::now() + chrono::Duration::minutes(2);
    let r = dev.push(&[future, ahead, old, skewed]).await.expect("push");
    let codes: Vec<_> = r.verdicts.iter().map(code_of).collect();
    assert_eq!(
        codes,
        vec![
            Some("device_time_future"),
            Some("device_time_future"),
            Some("device_time_too_old"),
            None
        ],
        "{:?}",
        r.verdicts
    );

    // A period close cannot reach past the server's today, whatever the
    // document's own date says.
    let acct = office(&ts, "acct-1").await;
    let mut close = doc(
        "backoffice",
        "acct-1",
        None,
        None,
        Body::PeriodClose {
            until: chrono::NaiveDate::from_ymd_opt(9999, 12, 30).expect("date"),
        },
    );
    close.device_time = far;
    let v = submit(&acct, &[close]).await;
    assert!(
        matches!(v[0], Verdict::Rejected { .. }),
        "a close through 9999-12-30 was accepted: {v:?}"
    );
    // The site is not frozen: today's documents still go through.
    let r = dev
        .push(&[count_doc(
            &id,
            "clerk-1",
            "BRG-6204",
            "A-02",
            Qty::units(12),
        )])
        .await
        .expect("push");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );
    ts.stop().await;
}
