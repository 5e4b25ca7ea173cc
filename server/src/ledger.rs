//! The ledger writer: one long-lived thread owns the write connection and
//! every site's in-memory ledger. Pushes queue up while a commit runs and
//! are judged and written together (group commit): one transaction, one
//! fsync, many documents — and no write ever fails on a lock.
//!
//! Each document is judged by the core rules against the site's state in
//! arrival order; accepted ones are applied to memory at once so the next
//! document in the queue sees them. If the commit fails, memory is reloaded
//! from the database and every waiting push gets an error to retry (a retry
//! is always safe).

use crate::store::{AuditEntry, Backend, CommitBatch, Store, StoreError};
use chrono::Utc;
use sparescan_core::document::Document;
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::limits;
use sparescan_core::memory::{MemoryLedger, touched_by};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::rules;
use sparescan_core::rules::Judgement;
use sparescan_core::sync::{Row, RowKey, Verdict};
use sparescan_core::view::{Accepted, LedgerView, ViewError};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, mpsc};
use tokio::sync::oneshot;

/// Documents judged and written in one commit at most.
const MAX_GROUP_DOCS: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("storage failed, nothing from this request was recorded; retry: {0}")]
    Storage(#[from] StoreError),
    /// The rules could not read the state: no verdict, nothing recorded.
    #[error("storage failed, nothing from this request was recorded; retry: {0}")]
    View(#[from] ViewError),
    #[error("unknown site {0}")]
    UnknownSite(SiteId),
    #[error("site {0} exists already")]
    SiteExists(SiteId),
    /// A change the site's state does not allow, with a stable code.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the ledger writer has stopped")]
    Stopped,
}

impl From<Refusal> for LedgerError {
    fn from(r: Refusal) -> Self {
        LedgerError::Conflict {
            code: r.code.code(),
            message: format!("{} {}", r.message, r.what_to_do),
        }
    }
}

/// A site's state in memory: the ledger's projections and the master data
/// replay starts from.
pub struct SiteState {
    pub ledger: MemoryLedger,
    pub master: MasterData,
    /// `master` as tables for the console, patched when it changes.
    pub tables: crate::csv_io::MasterTables,
    /// The units' serial numbers for the console, forgotten when units
    /// are added or removed.
    pub serial_numbers: crate::console::serial_index::SerialIndex,
}

impl SiteState {
    pub fn new(ledger: MemoryLedger, master: MasterData) -> Self {
        SiteState {
            ledger,
            master,
            tables: Default::default(),
            serial_numbers: Default::default(),
        }
    }
}

pub type Sites = Arc<RwLock<HashMap<SiteId, SiteState>>>;

type StoreJob = Box<dyn FnOnce(&mut dyn Store) + Send>;

/// A master-data edit worked out on the writer's thread from the site's
/// state as it is then, so a check and the change it allows are one step;
/// `None` when there is nothing to change.
type MasterEdit =
    Box<dyn FnOnce(&MemoryLedger) -> Result<Option<(Vec<Row>, AuditEntry)>, LedgerError> + Send>;

enum Job {
    Push {
        site: SiteId,
        docs: Vec<Document>,
        reply: oneshot::Sender<Result<Vec<Verdict>, LedgerError>>,
    },
    Master {
        site: SiteId,
        edit: MasterEdit,
        reply: oneshot::Sender<Result<(), LedgerError>>,
    },
    CreateSite {
        master: Box<MasterData>,
        reply: oneshot::Sender<Result<(), LedgerError>>,
    },
    Store(StoreJob),
}

/// Handle to the writer; cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    jobs: mpsc::Sender<Job>,
    sites: Sites,
    /// Counts the writes other than pushes (sign-ins, PIN resets, master
    /// data, devices), each before its caller hears it is done: what was
    /// read from the store before a write may be stale after it.
    store_writes: Arc<AtomicU64>,
}

impl Ledger {
    /// Loads every site's state and starts the writer thread.
    pub fn start(backend: Arc<dyn Backend>) -> Result<Ledger, LedgerError> {
        let store = backend.writer()?;
        let sites: Sites = Arc::new(RwLock::new(load_sites(&*store)?));
        let (tx, rx) = mpsc::channel();
        let writer_sites = sites.clone();
        let store_writes = Arc::new(AtomicU64::new(0));
        let writes = store_writes.clone();
        std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || writer_loop(store, writer_sites, writes, rx))
            .map_err(|e| LedgerError::Invalid(format!("cannot start the writer: {e}")))?;
        Ok(Ledger {
            jobs: tx,
            sites,
            store_writes,
        })
    }

    /// How many writes other than pushes have been done: a value read from
    /// the store while this number stayed the same is still current.
    pub fn store_writes(&self) -> u64 {
        self.store_writes.load(Ordering::SeqCst)
    }

    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// Reads a site's state.
    pub fn read<R>(
        &self,
        site: &SiteId,
        f: impl FnOnce(&SiteState) -> R,
    ) -> Result<R, LedgerError> {
        let sites = self.sites.read().map_err(|_| LedgerError::Stopped)?;
        let state = sites
            .get(site)
            .ok_or_else(|| LedgerError::UnknownSite(site.clone()))?;
        Ok(f(state))
    }

    pub async fn push(
        &self,
        site: SiteId,
        docs: Vec<Document>,
    ) -> Result<Vec<Verdict>, LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job::Push { site, docs, reply })
            .map_err(|_| LedgerError::Stopped)?;
        rx.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Master-data edits (items, bins, users, work orders…), logged and
    /// audited like everything else.
    pub async fn edit_master(
        &self,
        site: SiteId,
        rows: Vec<Row>,
        audit: AuditEntry,
    ) -> Result<(), LedgerError> {
        self.edit_master_with(site, move |_| Ok(Some((rows, audit))))
            .await
    }

    /// A master-data edit whose rows `edit` works out from the site's
    /// state on the writer's thread: nothing changes between its checks
    /// and the commit. `edit` answers `None` when there is nothing to do.
    pub async fn edit_master_with(
        &self,
        site: SiteId,
        edit: impl FnOnce(&MemoryLedger) -> Result<Option<(Vec<Row>, AuditEntry)>, LedgerError>
        + Send
        + 'static,
    ) -> Result<(), LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job::Master {
                site,
                edit: Box::new(edit),
                reply,
            })
            .map_err(|_| LedgerError::Stopped)?;
        rx.await.map_err(|_| LedgerError::Stopped)?
    }

    pub async fn create_site(&self, master: MasterData) -> Result<(), LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job::CreateSite {
                master: Box::new(master),
                reply,
            })
            .map_err(|_| LedgerError::Stopped)?;
        rx.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Runs a write on the writer's connection (devices, sessions, codes).
    pub async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, LedgerError> {
        let (reply, rx) = oneshot::channel();
        let writes = self.store_writes.clone();
        let job: StoreJob = Box::new(move |store| {
            let r = f(store).map_err(LedgerError::from);
            writes.fetch_add(1, Ordering::SeqCst);
            let _ = reply.send(r);
        });
        self.jobs
            .send(Job::Store(job))
            .map_err(|_| LedgerError::Stopped)?;
        rx.await.map_err(|_| LedgerError::Stopped)?
    }
}

fn load_sites(store: &dyn Store) -> Result<HashMap<SiteId, SiteState>, LedgerError> {
    let mut sites = HashMap::new();
    for (id, master) in store.sites()? {
        let ledger = site_ledger(store, &id)?;
        sites.insert(id, SiteState::new(ledger, master));
    }
    Ok(sites)
}

/// A site's state as the database holds it: its rows and its values.
fn site_ledger(store: &dyn Store, site: &SiteId) -> Result<MemoryLedger, StoreError> {
    let mut ledger = MemoryLedger::from_rows(store.rows(site)?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    ledger.restore_valuations(store.valuations(site)?);
    Ok(ledger)
}

/// The rules' view on the server: the site's state in memory, documents
/// from the database (and from this group, not yet committed).
struct ServerView<'a> {
    /// The site judged: documents of other sites are not seen.
    site: &'a SiteId,
    mem: &'a MemoryLedger,
    store: &'a dyn Store,
    pending: &'a HashMap<DocId, Accepted>,
    pending_refused: &'a HashMap<DocId, ReasonCode>,
}

/// The memory ledger's answers (it never fails to read).
macro_rules! delegate {
    ($($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> Result<$ret, ViewError> {
            Ok(MemoryLedger::$name(self.mem, $($arg),*))
        })*
    };
}

/// A database read that failed under the rules: a storage failure.
fn read_failed(what: &str, e: StoreError) -> ViewError {
    ViewError::new(format!("{what}: {e}"))
}

impl LedgerView for ServerView<'_> {
    delegate! {
        policy() -> SitePolicy;
        site() -> Option<SiteId>;
        closed_until() -> Option<chrono::NaiveDate>;
        user(id: &UserId) -> Option<User>;
        item(id: &ItemId) -> Option<Item>;
        bin(id: &BinId) -> Option<Bin>;
        warehouse(id: &WarehouseId) -> Option<Warehouse>;
        batch(item: &ItemId, code: &BatchCode) -> Option<Batch>;
        asset(id: &AssetId) -> Option<Asset>;
        work_order(id: &WorkOrderId) -> Option<WorkOrder>;
        line(id: &DemandLineId) -> Option<DemandLine>;
        lines_of(wo: &WorkOrderId) -> Vec<DemandLine>;
        line_counts(id: &DemandLineId) -> LineCounts;
        stock(key: &StockKey) -> Qty;
        usable_stock(item: &ItemId, warehouse: &WarehouseId) -> Vec<(StockKey, Qty)>;
        in_work(key: &InWorkKey) -> Qty;
        in_work_of(holding: &Holding) -> Vec<(InWorkKey, Qty)>;
        issue_open(issue: &DocId) -> Qty;
        serial(key: &SerialKey) -> Option<SerialState>;
        removed_units_of(wo: &WorkOrderId) -> Vec<SerialKey>;
        reserve(id: &ReserveId) -> Option<Reserve>;
        reserves_of_line(line: &DemandLineId) -> Vec<Reserve>;
        locked(item: &ItemId, warehouse: &WarehouseId) -> Qty;
        tool_out(checkout: &DocId) -> Option<ToolOut>;
        tools_out() -> Vec<ToolOut>;
        emergency(doc: &DocId) -> Option<Emergency>;
        emergencies() -> Vec<Emergency>;
        approval(request: &DocId) -> Option<Approval>;
        approvals_of(wo: &WorkOrderId) -> Vec<Approval>;
        transit(transfer: &DocId) -> Option<Transit>;
        missing_serials_of(wo: &WorkOrderId) -> Vec<MissingSerial>;
        missing_serial(write_off: &DocId) -> Option<MissingSerial>;
        warranty(key: &SerialKey) -> Option<chrono::NaiveDate>;
        site_reason(code: &ReasonId) -> Option<SiteReason>;
        site_reasons(kind: ReasonKind) -> Vec<SiteReason>;
    }

    fn keeps_values(&self) -> bool {
        true
    }
    fn valuation(&self, item: &ItemId) -> Result<Valuation, ViewError> {
        Ok(self.mem.valuation_of(item))
    }

    fn accepted(&self, id: &DocId) -> Result<Option<Accepted>, ViewError> {
        let found = match self.pending.get(id) {
            Some(a) => Some(a.clone()),
            // A read error is no answer: judging a follow-up against a
            // missing original would be a wrong verdict.
            None => self
                .store
                .document(id)
                .map_err(|e| read_failed(&format!("reading document {id}"), e))?,
        };
        let Some(mut found) = found.filter(|a| a.doc.site == *self.site) else {
            return Ok(None);
        };
        found.reversed_by = self.mem.projections().reversed.get(id).copied();
        Ok(Some(found))
    }

    fn refused(&self, id: &DocId) -> Result<Option<ReasonCode>, ViewError> {
        if self.pending.contains_key(id) {
            return Ok(None);
        }
        if let Some(code) = self.pending_refused.get(id) {
            return Ok(Some(*code));
        }
        let read = |e| read_failed(&format!("reading refusal {id}"), e);
        let here = self.store.id_site(id).map_err(read)?;
        if here.as_ref() != Some(self.site) {
            return Ok(None);
        }
        self.store.refusal_code(id).map_err(read)
    }
}

fn writer_loop(
    mut store: Box<dyn Store>,
    sites: Sites,
    store_writes: Arc<AtomicU64>,
    rx: mpsc::Receiver<Job>,
) {
    let mut next_seq = match store.next_doc_seq() {
        Ok(s) => s,
        Err(e) => {
            log::error!("ledger writer cannot start: {e}");
            return;
        }
    };
    while let Ok(first) = rx.recv() {
        // Gather what queued up meanwhile into one group.
        let mut jobs = vec![first];
        let mut docs = job_docs(&jobs[0]);
        while docs < MAX_GROUP_DOCS {
            match rx.try_recv() {
                Ok(job) => {
                    docs += job_docs(&job);
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let mut pushes: Vec<(SiteId, Vec<Document>, PushReply)> = Vec::new();
        for job in jobs {
            match job {
                Job::Push { site, docs, reply } => pushes.push((site, docs, reply)),
                Job::Store(f) => f(&mut *store),
                Job::Master { site, edit, reply } => {
                    let r = edit_master(&mut *store, &sites, &site, edit);
                    store_writes.fetch_add(1, Ordering::SeqCst);
                    let _ = reply.send(r);
                }
                Job::CreateSite { master, reply } => {
                    let r = create_site(&mut *store, &sites, *master);
                    store_writes.fetch_add(1, Ordering::SeqCst);
                    let _ = reply.send(r);
                }
            }
        }
        if !pushes.is_empty() {
            process_pushes(&mut *store, &sites, &mut next_seq, pushes);
        }
    }
    log::debug!("ledger writer stopped");
}

fn job_docs(job: &Job) -> usize {
    match job {
        Job::Push { docs, .. } => docs.len().max(1),
        _ => 1,
    }
}

type PushReply = oneshot::Sender<Result<Vec<Verdict>, LedgerError>>;

fn process_pushes(
    store: &mut dyn Store,
    sites: &Sites,
    next_seq: &mut u64,
    pushes: Vec<(SiteId, Vec<Document>, PushReply)>,
) {
    let Ok(mut guard) = sites.write() else {
        for (_, _, reply) in pushes {
            let _ = reply.send(Err(LedgerError::Stopped));
        }
        return;
    };
    // One batch per site in this group.
    let mut by_site: HashMap<SiteId, Vec<(Vec<Document>, PushReply)>> = HashMap::new();
    for (site, docs, reply) in pushes {
        by_site.entry(site).or_default().push((docs, reply));
    }
    for (site, jobs) in by_site {
        let Some(state) = guard.get_mut(&site) else {
            for (_, reply) in jobs {
                let _ = reply.send(Err(LedgerError::UnknownSite(site.clone())));
            }
            continue;
        };
        let seq_before = *next_seq;
        let mut batch = CommitBatch {
            site: Some(site.clone()),
            received_at: Some(Utc::now()),
            ..CommitBatch::default()
        };
        let mut pending: HashMap<DocId, Accepted> = HashMap::new();
        let mut pending_refused: HashMap<DocId, ReasonCode> = HashMap::new();
        let mut touched_keys: BTreeSet<RowKey> = BTreeSet::new();
        let mut answers: Vec<(Vec<Verdict>, PushReply)> = Vec::new();
        // A storage failure while judging is no verdict: nothing of this
        // site's group is committed and every push in it gets the error
        // to retry.
        let mut failed: Option<ViewError> = None;
        for (docs, reply) in jobs {
            let mut verdicts = Vec::with_capacity(docs.len());
            for doc in docs {
                if failed.is_some() {
                    break;
                }
                match judge(
                    store,
                    &mut state.ledger,
                    &mut pending,
                    &mut pending_refused,
                    &mut batch,
                    &mut touched_keys,
                    next_seq,
                    doc,
                ) {
                    Ok(verdict) => verdicts.push(verdict),
                    Err(e) => failed = Some(e),
                }
            }
            answers.push((verdicts, reply));
        }
        if let Some(e) = failed {
            log::error!("storage failed judging for site {site}: {e}; nothing recorded");
            *next_seq = seq_before;
            reload_site(store, &site, state);
            for (_, reply) in answers {
                let _ = reply.send(Err(LedgerError::View(e.clone())));
            }
            continue;
        }
        batch.rows = touched_keys
            .into_iter()
            .map(|key| {
                let value = state.ledger.row(&key);
                Row { key, value }
            })
            // A reversed document that is not followable has no row to
            // update; documents' rows are never deleted.
            .filter(|row| row.value.is_some() || !matches!(row.key, RowKey::Document(_)))
            .collect();
        let valued: BTreeSet<&ItemId> = batch
            .accepted
            .iter()
            .flat_map(|(acc, _)| &acc.effects)
            .filter_map(|e| match e {
                Effect::Value { item, .. } => Some(item),
                _ => None,
            })
            .collect();
        let values = valued
            .into_iter()
            .map(|item| (item.clone(), state.ledger.valuation_of(item)))
            .collect();
        batch.values = values;
        // Units added or removed: the console's index of their numbers
        // is made again when next asked for.
        let units_changed = batch.accepted.iter().any(|(acc, _)| {
            acc.effects.iter().any(|e| {
                matches!(e, Effect::Serial { before, after, .. } if before.is_none() || after.is_none())
            })
        });
        if units_changed {
            state.serial_numbers.forget();
        }
        match store.commit(&batch) {
            Ok(_) => {
                for (verdicts, reply) in answers {
                    let _ = reply.send(Ok(verdicts));
                }
            }
            Err(e) => {
                log::error!("commit failed for site {site}: {e}; reloading its state");
                *next_seq = seq_before;
                reload_site(store, &site, state);
                let msg = e.to_string();
                for (_, reply) in answers {
                    let _ =
                        reply.send(Err(LedgerError::Storage(StoreError::Conflict(msg.clone()))));
                }
            }
        }
    }
}

/// Memory back to what the database holds (after a group that was not
/// committed).
fn reload_site(store: &dyn Store, site: &SiteId, state: &mut SiteState) {
    state.serial_numbers.forget();
    match site_ledger(store, site) {
        Ok(ledger) => state.ledger = ledger,
        Err(e) => log::error!("reloading site {site} failed: {e}"),
    }
}

/// One document's verdict, applied to memory and added to the batch; a
/// storage failure is no verdict.
#[allow(clippy::too_many_arguments)]
fn judge(
    store: &dyn Store,
    mem: &mut MemoryLedger,
    pending: &mut HashMap<DocId, Accepted>,
    pending_refused: &mut HashMap<DocId, ReasonCode>,
    batch: &mut CommitBatch,
    touched_keys: &mut BTreeSet<RowKey>,
    next_seq: &mut u64,
    doc: Document,
) -> Result<Verdict, ViewError> {
    let id = doc.id;
    // Over a bound: refused before the rules see it, and not kept (a
    // 15 MiB reason would otherwise be stored with its refusal).
    if let Err(refusal) = limits::check_document(&doc) {
        if refusal.code == ReasonCode::TooLong {
            return Ok(Verdict::Rejected { id, refusal });
        }
        return Ok(refuse(pending_refused, batch, doc, refusal));
    }
    // The device's clock, held to the server's (a duplicate is answered
    // as before, whenever it comes again).
    let received_at = batch.received_at.unwrap_or_else(Utc::now);
    let offline_days = mem.policy().offline_limit_days;
    if let Err(refusal) = rules::check_times(&doc, received_at, offline_days)
        && !is_duplicate(store, pending, &doc)?
    {
        return Ok(refuse(pending_refused, batch, doc, refusal));
    }
    // Ids are the site's own: one another site used (accepted or refused)
    // is not this site's to take, and nothing of it is told.
    match store.id_site(&id) {
        Ok(Some(owner)) if owner != doc.site => {
            return Ok(Verdict::Rejected {
                id,
                refusal: Refusal::new(ReasonCode::IdReused),
            });
        }
        Ok(_) => {}
        Err(e) => {
            return Err(read_failed(
                &format!("reading the site of document {id}"),
                e,
            ));
        }
    }
    let result = {
        let view = ServerView {
            site: &doc.site,
            mem,
            store,
            pending,
            pending_refused,
        };
        match rules::evaluate(&view, &doc) {
            Ok(outcome) => Ok(outcome),
            Err(Judgement::Storage(e)) => return Err(e),
            Err(Judgement::Refused(r)) => {
                let seq = match r.code {
                    ReasonCode::Duplicate => view.accepted(&id)?.map(|a| a.seq),
                    _ => None,
                };
                Err((r, seq))
            }
        }
    };
    match result {
        Ok(outcome) => {
            if let Err(e) = mem.apply_effects(id, &outcome.effects) {
                let refusal = Refusal::new(ReasonCode::NotReversible).detail(e.0);
                return Ok(refuse(pending_refused, batch, doc, refusal));
            }
            let seq = *next_seq;
            *next_seq += 1;
            touched_keys.extend(touched_by(&doc, &outcome.effects));
            let accepted = Accepted {
                doc,
                effects: outcome.effects,
                seq,
                reversed_by: None,
            };
            // Memory keeps followable documents so their rows (written in
            // this commit, re-written when reversed) come from one place.
            mem.keep_accepted(accepted.clone());
            pending.insert(id, accepted.clone());
            pending_refused.remove(&id);
            batch.accepted.push((accepted, outcome.exceptions.clone()));
            Ok(Verdict::Accepted {
                id,
                seq,
                exceptions: outcome.exceptions,
            })
        }
        Err((_, Some(seq))) => Ok(Verdict::Duplicate { id, seq }),
        Err((refusal, None)) => Ok(refuse(pending_refused, batch, doc, refusal)),
    }
}

/// The same document, accepted before (a retry).
fn is_duplicate(
    store: &dyn Store,
    pending: &HashMap<DocId, Accepted>,
    doc: &Document,
) -> Result<bool, ViewError> {
    let prior = match pending.get(&doc.id) {
        Some(a) => Some(a.clone()),
        None => store
            .document(&doc.id)
            .map_err(|e| read_failed(&format!("reading document {}", doc.id), e))?,
    };
    Ok(prior.is_some_and(|a| a.doc == *doc))
}

fn refuse(
    pending_refused: &mut HashMap<DocId, ReasonCode>,
    batch: &mut CommitBatch,
    doc: Document,
    refusal: Refusal,
) -> Verdict {
    let id = doc.id;
    // A different document reusing an accepted id is not remembered as
    // refused: the id belongs to the accepted one.
    if refusal.code != ReasonCode::IdReused {
        pending_refused.insert(id, refusal.code);
        batch.refused.push((doc, refusal.clone()));
    }
    Verdict::Rejected { id, refusal }
}

fn edit_master(
    store: &mut dyn Store,
    sites: &Sites,
    site: &SiteId,
    edit: MasterEdit,
) -> Result<(), LedgerError> {
    let mut guard = sites.write().map_err(|_| LedgerError::Stopped)?;
    let state = guard
        .get_mut(site)
        .ok_or_else(|| LedgerError::UnknownSite(site.clone()))?;
    let Some((rows, audit)) = edit(&state.ledger)? else {
        return Ok(());
    };
    let mut master = state.master.clone();
    if let Some(row) = rows.iter().find(|r| !r.key.is_master_data()) {
        return Err(LedgerError::Invalid(format!(
            "{} is not master data: it changes only through documents",
            row.key.entity()
        )));
    }
    if let Some(row) = rows
        .iter()
        .find(|r| r.value.as_ref().is_some_and(text_too_long))
    {
        return Err(LedgerError::Invalid(format!(
            "{} {}: a text is longer than {} characters: shorten it",
            row.key.entity(),
            row.key.to_text(),
            limits::MAX_TEXT_CHARS
        )));
    }
    master
        .apply_rows(&rows)
        .map_err(|e| LedgerError::Invalid(e.to_string()))?;
    let ledger_rows = rows;
    // Work orders keep their live state: a status changes by documents.
    let mut applied = Vec::new();
    for row in ledger_rows {
        let row = keep_live_state(&state.ledger, row);
        applied.push(row.clone());
    }
    let end_sessions = users_whose_powers_changed(&state.ledger, &applied);
    let batch = CommitBatch {
        site: Some(site.clone()),
        rows: applied.clone(),
        end_sessions,
        master: Some(master.clone()),
        audit: vec![audit],
        received_at: Some(Utc::now()),
        ..CommitBatch::default()
    };
    store.commit(&batch)?;
    state.tables.patch(&applied);
    for row in applied {
        if let Err(e) = state.ledger.set_row(row) {
            log::error!("applying a checked master row failed: {e}");
        }
    }
    state.master = master;
    Ok(())
}

/// Whether a master-data value holds a text longer than master data may
/// (`limits::MAX_TEXT_CHARS`; ids are held to 64 by the edit's checks).
fn text_too_long(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => limits::longer_than(s, limits::MAX_TEXT_CHARS),
        serde_json::Value::Array(a) => a.iter().any(text_too_long),
        serde_json::Value::Object(o) => o.values().any(text_too_long),
        _ => false,
    }
}

/// Users whose roles or active flag a master edit changes (or who are
/// removed): their sessions end, so a demoted person holds no stronger
/// session than their roles.
fn users_whose_powers_changed(ledger: &MemoryLedger, rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            let RowKey::User(id) = &row.key else {
                return None;
            };
            let before = ledger.user(id)?;
            let after = row
                .value
                .clone()
                .and_then(|v| serde_json::from_value::<User>(v).ok());
            let same = after.is_some_and(|u| u.roles == before.roles && u.active == before.active);
            (!same).then(|| id.to_string())
        })
        .collect()
}

fn keep_live_state(ledger: &MemoryLedger, row: Row) -> Row {
    let RowKey::WorkOrder(id) = &row.key else {
        return row;
    };
    let (Some(live), Some(value)) = (ledger.work_order(id), row.value.clone()) else {
        return row;
    };
    match serde_json::from_value::<WorkOrder>(value) {
        Ok(mut wo) => {
            wo.state = live.state;
            Row {
                key: row.key,
                value: serde_json::to_value(wo).ok(),
            }
        }
        Err(_) => row,
    }
}

fn create_site(
    store: &mut dyn Store,
    sites: &Sites,
    master: MasterData,
) -> Result<(), LedgerError> {
    let site = master
        .site
        .clone()
        .ok_or_else(|| LedgerError::Invalid("master data names no site".into()))?;
    // Checked on the writer's thread, where sites are made one at a time.
    if sites
        .read()
        .map_err(|_| LedgerError::Stopped)?
        .contains_key(&site)
    {
        return Err(LedgerError::SiteExists(site));
    }
    let ledger = MemoryLedger::new(master.clone());
    let errors = ledger.consistency_errors();
    if !errors.is_empty() {
        return Err(LedgerError::Invalid(format!(
            "the site's opening state is inconsistent: {}",
            errors.join("; ")
        )));
    }
    let rows = ledger.rows();
    store.create_site(&site, &master, &rows)?;
    let mut guard = sites.write().map_err(|_| LedgerError::Stopped)?;
    guard.insert(site, SiteState::new(ledger, master));
    Ok(())
}

/// Recomputes a site's projections from its master data and the ledger's
/// stored effects, and lists every row that differs from the stored state.
pub fn verify_site(
    store: &dyn Store,
    site: &SiteId,
    master: &MasterData,
) -> Result<Vec<String>, LedgerError> {
    let mut fresh = MemoryLedger::new(master.clone());
    let mut after = 0;
    loop {
        let docs = store.documents(site, after, 5_000)?;
        if docs.is_empty() {
            break;
        }
        for acc in docs {
            after = acc.seq;
            if let Err(e) = fresh.apply_effects(acc.doc.id, &acc.effects) {
                return Ok(vec![format!(
                    "document {} (seq {}) does not apply: {e}",
                    acc.doc.id, acc.seq
                )]);
            }
            // Rebuilds the document rows too; reversed_by comes from the
            // recomputed reversals.
            fresh.keep_accepted(Accepted {
                reversed_by: None,
                ..acc
            });
        }
    }
    let stored: HashMap<String, serde_json::Value> = store
        .rows(site)?
        .into_iter()
        .filter_map(|r| r.value.map(|v| (r.key.to_text(), v)))
        .collect();
    let rebuilt: HashMap<String, serde_json::Value> = fresh
        .rows()
        .into_iter()
        .filter_map(|r| r.value.map(|v| (r.key.to_text(), v)))
        .collect();
    let mut diffs = Vec::new();
    for (k, v) in &rebuilt {
        match stored.get(k) {
            None => diffs.push(format!("missing row {k}")),
            Some(s) if s != v => diffs.push(format!("row {k}: stored {s}, ledger gives {v}")),
            _ => {}
        }
    }
    for k in stored.keys() {
        if !rebuilt.contains_key(k) {
            diffs.push(format!("extra row {k}"));
        }
    }
    // What the stock is worth, as the server would load it, against the
    // documents' values.
    let loaded = site_ledger(store, site)?;
    let (kept, recomputed) = (&loaded.projections().values, &fresh.projections().values);
    let items: BTreeSet<&ItemId> = kept.keys().chain(recomputed.keys()).collect();
    for item in items {
        let (k, r) = (kept.get(item), recomputed.get(item));
        if k != r {
            diffs.push(format!(
                "value of {item}: stored {}, ledger gives {}",
                describe_value(k),
                describe_value(r)
            ));
        }
    }
    diffs.sort();
    Ok(diffs)
}

fn describe_value(v: Option<&Valuation>) -> String {
    v.map(|v| format!("{} units worth {}", v.qty, v.value))
        .unwrap_or_else(|| "none".into())
}
