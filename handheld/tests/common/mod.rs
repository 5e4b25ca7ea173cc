//! What the engine tests share.
#![allow(dead_code)]

use sparescan_core::sync::BadgeHolder;
use sparescan_demo as demo;
use sparescan_handheld::cache::Cache;
use sparescan_handheld::presence;

/// What an online sign-in of each of `people` on this device left behind:
/// their badge, and a presence key sealed by their PIN.
pub fn provision(cache: &mut Cache, people: &[&str]) {
    let holders: Vec<BadgeHolder> = demo::PEOPLE
        .iter()
        .filter(|p| people.contains(&p.badge))
        .map(|p| BadgeHolder {
            user: p.id.into(),
            badge: p.badge.into(),
        })
        .collect();
    cache.set_badges(&holders).expect("badges");
    let until = chrono::Utc::now() + chrono::Duration::days(7);
    for (n, p) in demo::PEOPLE.iter().enumerate() {
        if people.contains(&p.badge) {
            let sealed = presence::seal(p.pin, p.id, &format!("pk-{n}"), until, &[n as u8; 32])
                .expect("seal");
            cache.put_presence(&p.id.into(), &sealed).expect("key");
        }
    }
}
