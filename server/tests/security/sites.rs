//! Sites isolated (issue 14, item 6), over real HTTPS against the server
//! on 127.0.0.1 with two sites: ids, `follows` and refusal details are the
//! site's own.

use crate::common::*;
use sparescan_core::document::{Body, Document};
use sparescan_core::ids::DocId;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::Verdict;
use sparescan_server::demo::SITE;

const SITE_B: &str = "PLANT-2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_do_not_see_each_others_documents() {
    let ts = TestServer::start().await;
    ts.server
        .create_site(sparescan_server::demo::large_site(SITE_B, 20, 10))
        .await
        .expect("site B");
    // The same people work at site B, with badges and PINs there.
    for p in sparescan_server::demo::PEOPLE {
        ts.server
            .set_credential(&SITE_B.into(), &p.id.into(), p.badge, p.pin)
            .await
            .expect("credential at B");
    }
    let (a, dev_a) = enrolled(&ts, SITE, "HH-A").await;
    let (b, dev_b) = enrolled(&ts, SITE_B, "HH-B").await;
    let at_b = |mut d: Document| {
        d.site = SITE_B.into();
        d
    };

    // An issue at site A.
    let issued = issue(
        &dev_a,
        "WO-1003",
        "WO-1003-L3",
        pick("ZIP-200", "A-01", 2, &[]),
    );
    let r = a.push(std::slice::from_ref(&issued)).await.expect("push A");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );

    // Site B's correction of it: unknown at site B, and nothing of A quoted.
    let mut fix = at_b(doc(&dev_b, "ctrl-1", None, None, Body::Correction));
    fix.follows = Some(issued.id);
    fix.reason = Some("wrong order".into());
    fix.approver = Some("sup-1".into());
    let r = b.push(&[fix]).await.expect("push B");
    match &r.verdicts[0] {
        Verdict::Rejected { refusal, .. } => {
            assert_eq!(refusal.code, ReasonCode::UnknownDocument, "{refusal:?}");
            let text = serde_json::to_string(refusal).expect("json");
            for a_data in ["ZIP-200", "WO-1003", "A-01", "tech-1", SITE] {
                assert!(!text.contains(a_data), "site B is told {a_data}: {text}");
            }
            assert_eq!(refusal.related, None, "{refusal:?}");
        }
        other => panic!("site B corrected site A's document: {other:?}"),
    }

    // Nor can site B take the id of site A's accepted document, or learn
    // anything of it.
    let mut same_id = at_b(count_doc(
        &dev_b,
        "clerk-1",
        "IT-000010",
        "B-010",
        Qty::units(50),
    ));
    same_id.id = issued.id;
    let r = b.push(&[same_id]).await.expect("push B");
    match &r.verdicts[0] {
        Verdict::Rejected { refusal, .. } => {
            assert_eq!(refusal.code, ReasonCode::IdReused, "{refusal:?}");
            assert_eq!(refusal.related, None, "{refusal:?}");
            let text = serde_json::to_string(refusal).expect("json");
            for a_data in ["ZIP-200", "WO-1003", "A-01", "tech-1", SITE] {
                assert!(!text.contains(a_data), "site B is told {a_data}: {text}");
            }
        }
        other => panic!("site B recorded a document under site A's id: {other:?}"),
    }

    // A refused site-A document's id stays site A's.
    let mut bad = issue(
        &dev_a,
        "WO-1003",
        "WO-1003-L3",
        pick("NO-SUCH-ITEM", "A-01", 1, &[]),
    );
    bad.id = DocId::new_v7();
    let r = a.push(std::slice::from_ref(&bad)).await.expect("push A");
    assert!(
        matches!(r.verdicts[0], Verdict::Rejected { .. }),
        "{:?}",
        r.verdicts
    );
    let mut taken = at_b(count_doc(
        &dev_b,
        "clerk-1",
        "IT-000010",
        "B-010",
        Qty::units(50),
    ));
    taken.id = bad.id;
    let r = b.push(&[taken]).await.expect("push B");
    assert!(
        !matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "site B took the id of site A's refused document: {:?}",
        r.verdicts
    );
    let sup = office(&ts, "sup-1").await;
    let (_, list) = get(&sup, "/api/v1/needs-attention").await;
    assert!(
        list.to_string().contains(&bad.id.to_string()),
        "site A's refusal is gone: {list}"
    );
    ts.stop().await;
}
