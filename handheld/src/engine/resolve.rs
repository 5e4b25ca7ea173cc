//! What a scan names, against the cache: core's resolver
//! (`sparescan_core::resolve`) with the cache's barcode index.

use sparescan_core::ids::ItemId;
pub use sparescan_core::resolve::{PartScan, Resolved};
use sparescan_core::scan::Scan;

use crate::cache::{Cache, CacheError};

/// Resolves a decoded scan against the cache. `context_item` is the item
/// the screen expects (a bare serial number is looked up as that item's
/// serial first). A cache that cannot be read is an error, never "unknown
/// code".
pub fn resolve(
    cache: &Cache,
    scan: &Scan,
    context_item: Option<&ItemId>,
) -> Result<Resolved, CacheError> {
    sparescan_core::resolve::resolve(
        &cache.view(),
        |code| cache.items_by_code(code),
        scan,
        context_item,
    )
}
