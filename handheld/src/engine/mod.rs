//! The app's behaviour without a window: screens, sign-in, and the
//! workflows (issue, return, inspect, confirm, transfer, tools, count) as
//! state machines fed with [`Input`]s. Every verdict comes from core's rules
//! over the local cache ([`Cache::view`]): the same functions the server runs.
//! The worker owns the engine; the UI only sees [`UiModel`]s.

/// The value of a cache read in a flow step that answers with a verdict
/// (`Option<VerdictModel>`): on a storage failure the step stops and says
/// so; nothing is judged or recorded, and the step can be tried again.
macro_rules! or_storage {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Some($crate::engine::storage_failure(&e)),
        }
    };
}

mod flow;
mod issue;
pub mod model;
mod reasons;
mod receive;
mod recent;
pub mod resolve;
mod returns;
pub mod scanlog;
mod site;
mod stock;
mod text;

use chrono::{DateTime, Utc};
use sparescan_core::document::{Body, Document};
use sparescan_core::ids::*;
use sparescan_core::model::User;
use sparescan_core::reason::Refusal;
use sparescan_core::rules::{self, Judgement, Outcome};
use sparescan_core::scan::{self, ScanConfig};

use crate::cache::{Cache, CacheError};
use crate::presence::{self as sealing, Keyring};
pub use flow::{Flow, screen_of_kind};
use model::*;
use resolve::Resolved;
use sparescan_core::sync::PresenceKey;
use std::collections::HashMap;
use std::time::{Duration, Instant};
pub use text::{set_language, t};

/// The device settings the engine and the worker keep in the cache.
pub use crate::cache::keys as meta;

/// What the UI (or a test) asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Raw bytes of one scan, from any reader.
    Scan(Vec<u8>),
    /// A code typed by hand when a label cannot be read.
    Typed(String),
    Navigate(ScreenId),
    Back,
    SignOut,
    DismissVerdict,
    SignIn {
        pin: String,
    },
    CancelSignIn,
    Select(String),
    Choose(String),
    Remove(String),
    Confirm,
    Cancel,
    /// The quantity keypad closed: `None` = cancelled.
    Quantity(Option<String>),
    /// The approver's PIN dialog closed: `None` = cancelled.
    Pin(Option<String>),
    /// Needs attention: the corrective action of an item.
    Act(String),
    /// Needs attention: the person dealt with it.
    Resolve(String),
}

/// The enrolled device, as the cache remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub site: SiteId,
}

/// What a workflow needs from the engine.
pub struct Cx<'a> {
    pub cache: &'a mut Cache,
    pub user: &'a User,
    pub device: &'a Device,
    pub now: DateTime<Utc>,
    /// The presence keys open in this session: every document recorded is
    /// proved with its author's (and approver's).
    pub keys: &'a mut Keyring,
}

impl Cx<'_> {
    /// A new document by the signed-in person on this device.
    pub fn doc(&self, body: Body) -> Document {
        Document {
            id: DocId::new_v7(),
            author: self.user.id.clone(),
            device: self.device.id.clone(),
            site: self.device.site.clone(),
            device_time: self.now,
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

    /// The rules' verdict on `doc`, without recording it: a refusal, or a
    /// storage failure (no verdict).
    pub fn judge(&self, doc: &Document) -> Result<Outcome, Judgement> {
        rules::evaluate(&self.cache.view(), doc)
    }

    /// Records `doc` in the outbox, with its proof of presence, if the rules
    /// accept it.
    pub fn submit(&mut self, doc: Document) -> Result<Result<Outcome, Refusal>, CacheError> {
        self.cache.submit(self.keys.prove(doc))
    }

    /// The person a badge and PIN belong to (an approver at this device):
    /// their presence key here opens with that PIN, and stays open for the
    /// documents they approve.
    pub fn check_pin(&mut self, badge: &str, pin: &str) -> Result<User, String> {
        let user = badge_user(self.cache, badge)
            .map_err(|e| storage_failure(e).reason)?
            .ok_or_else(|| t("Unknown badge."))?;
        let key = open_key(self.cache, &user, pin, self.now)?;
        self.keys.insert(user.id.clone(), key.0, key.1);
        Ok(user)
    }

    pub fn badge_user(&self, badge: &str) -> Result<Option<User>, CacheError> {
        badge_user(self.cache, badge)
    }
}

/// The person of a badge; a cache that cannot be read is an error, never
/// "Unknown badge" (which sends people to have a registered badge
/// registered again).
fn badge_user(cache: &Cache, badge: &str) -> Result<Option<User>, CacheError> {
    cache.user_by_badge(badge)
}

/// `user`'s presence key on this device, opened with `pin` — the offline
/// sign-in. The error is what to tell the person.
fn open_key(
    cache: &Cache,
    user: &User,
    pin: &str,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>), String> {
    if !user.active {
        return Err(format!(
            "{} {}",
            user.name,
            t("is not active at this site.")
        ));
    }
    let sealed = match cache.presence(&user.id) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(format!(
                "{} {}",
                user.name,
                t(
                    "has not signed in on this handheld while it was online yet. Connect to the network and sign in."
                )
            ));
        }
        Err(e) => return Err(format!("{} {e}", t("Storage error:"))),
    };
    if sealed.expires_at <= now {
        return Err(format!(
            "{} {}",
            user.name,
            t("signed in online here too long ago. Connect to the network and sign in.")
        ));
    }
    match sealing::open(pin, user.id.as_str(), &sealed) {
        Ok(Some(key)) => Ok((sealed.key_id, key)),
        Ok(None) => Err(t("Wrong PIN.")),
        Err(e) => Err(format!("{} {e}", t("Storage error:"))),
    }
}

/// What the server said to an online sign-in on this device.
#[derive(Debug, Clone, PartialEq)]
pub enum OnlineSignIn {
    /// Signed in: the person and their presence key here.
    Signed { user: User, key: PresenceKey },
    /// The server answered no (wrong PIN, locked, not a handheld user):
    /// its message.
    Refused(String),
    /// No answer: the device signs the person in offline.
    Unreachable,
}

/// Wrong offline PINs per badge before the badge waits.
const OFFLINE_MAX_FAILURES: u32 = 5;
const OFFLINE_LOCKOUT: Duration = Duration::from_secs(15 * 60);

pub fn accepted_verdict(title: impl Into<String>, detail: impl Into<String>) -> VerdictModel {
    VerdictModel {
        ok: true,
        title: title.into(),
        reason: detail.into(),
        what_to_do: String::new(),
        code: "accepted".into(),
    }
}

/// Why the rules did not accept, said to the person: the refusal, or the
/// storage failure that kept them from judging.
pub fn not_accepted(j: &Judgement) -> VerdictModel {
    match j {
        Judgement::Refused(r) => refused_verdict(r),
        Judgement::Storage(e) => storage_failure(e),
    }
}

pub fn refused_verdict(r: &Refusal) -> VerdictModel {
    let (reason, what_to_do) = text::refusal(r);
    VerdictModel {
        ok: false,
        title: t("Refused"),
        reason,
        what_to_do,
        code: r.code.code().into(),
    }
}

/// A problem the app finds before the rules are asked (wrong kind of scan
/// for this step, an unknown code).
pub fn problem(
    code: &str,
    reason: impl Into<String>,
    what_to_do: impl Into<String>,
) -> VerdictModel {
    VerdictModel {
        ok: false,
        title: t("Not accepted"),
        reason: reason.into(),
        what_to_do: what_to_do.into(),
        code: code.into(),
    }
}

thread_local! {
    /// A read for display failed since the last model was built.
    static DISPLAY_READ_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A cache read for what a screen shows (a name, a list), not for a
/// verdict: a failure is logged, shows as nothing, and the next model's
/// status line says storage error (see [`Engine::model`]). Every judgement
/// and record reads through the rules and says storage failure instead.
pub(crate) fn shown<T: Default>(read: Result<T, impl std::fmt::Display>) -> T {
    read.unwrap_or_else(|e| {
        log::error!("cache, for display: {e}");
        DISPLAY_READ_FAILED.with(|f| f.set(true));
        T::default()
    })
}

/// A storage failure, said as one: not a verdict of the rules (nothing was
/// judged), nothing was recorded, and what to do about it.
pub fn storage_failure(e: impl std::fmt::Display) -> VerdictModel {
    VerdictModel {
        ok: false,
        title: t("Storage error"),
        reason: format!(
            "{} ({e})",
            t("The handheld could not use its storage: nothing was recorded.")
        ),
        what_to_do: t("Restart the app and try again; if it happens again, call support."),
        code: "storage_error".into(),
    }
}

pub struct Engine {
    cache: Cache,
    scan_config: ScanConfig,
    screen: ScreenId,
    user: Option<User>,
    /// Badge scanned on the sign-in screen, waiting for the PIN.
    badge: Option<(String, User)>,
    sign_in_error: String,
    enroll: EnrollModel,
    verdict: Option<VerdictModel>,
    flow: Option<Box<dyn Flow>>,
    sync: SyncModel,
    /// Scans handled since start (the burst test counts them).
    scans: u64,
    last_scan: Option<String>,
    keys: Keyring,
    /// Wrong PINs entered offline, per badge.
    pin_failures: HashMap<String, (u32, Instant)>,
    /// The current task's last scans and their verdicts.
    scan_log: recent::ScanLog,
    /// An online sign-in or approver's PIN check is waiting for the server.
    checking: bool,
}

impl Engine {
    pub fn new(cache: Cache, scan_config: ScanConfig) -> Engine {
        let mut engine = Engine {
            cache,
            scan_config,
            screen: ScreenId::Enroll,
            user: None,
            badge: None,
            sign_in_error: String::new(),
            enroll: EnrollModel::default(),
            verdict: None,
            flow: None,
            sync: SyncModel {
                progress_fraction: -1.0,
                ..SyncModel::default()
            },
            scans: 0,
            last_scan: None,
            keys: Keyring::default(),
            pin_failures: HashMap::new(),
            scan_log: recent::ScanLog::default(),
            checking: false,
        };
        if engine.device().is_some() {
            engine.screen = ScreenId::SignIn;
        }
        engine
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }

    pub fn screen(&self) -> ScreenId {
        self.screen
    }

    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    pub fn scans_handled(&self) -> u64 {
        self.scans
    }

    pub fn last_scan(&self) -> Option<&str> {
        self.last_scan.as_deref()
    }

    pub fn enroll_model_mut(&mut self) -> &mut EnrollModel {
        &mut self.enroll
    }

    pub fn sync_model_mut(&mut self) -> &mut SyncModel {
        &mut self.sync
    }

    pub fn device(&self) -> Option<Device> {
        let id = shown(self.cache.meta(meta::DEVICE_ID))?;
        let site = shown(self.cache.meta(meta::SITE))?;
        Some(Device {
            id: id.into(),
            site: site.into(),
        })
    }

    /// Enrollment finished: the worker stored the device in the cache.
    pub fn enrolled(&mut self) {
        self.enroll.error.clear();
        self.enroll.working = false;
        self.screen = ScreenId::SignIn;
    }

    pub fn show_verdict(&mut self, v: VerdictModel) {
        self.verdict = Some(v);
    }

    pub fn verdict(&self) -> Option<&VerdictModel> {
        self.verdict.as_ref()
    }

    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Scan(bytes) => self.scan_logged(&bytes, scanlog::Origin::Scanner, None),
            Input::Typed(text) => self.scan_logged(text.as_bytes(), scanlog::Origin::Typed, None),
            Input::Navigate(screen) => self.navigate(screen),
            Input::Back => self.navigate(ScreenId::Home),
            Input::SignOut => {
                self.keys.clear();
                self.user = None;
                self.flow = None;
                self.badge = None;
                self.verdict = None;
                self.screen = if self.device().is_some() {
                    ScreenId::SignIn
                } else {
                    ScreenId::Enroll
                };
            }
            Input::DismissVerdict => self.verdict = None,
            // Without a worker (tests, no network): offline only.
            Input::SignIn { pin } => {
                self.finish_sign_in(&pin, OnlineSignIn::Unreachable);
            }
            Input::CancelSignIn => {
                self.badge = None;
                self.sign_in_error.clear();
            }
            Input::Act(id) => self.act(&id),
            Input::Resolve(id) => {
                if let Ok(uuid) = uuid::Uuid::parse_str(&id)
                    && let Err(e) = self.cache.resolve_attention(DocId(uuid))
                {
                    self.verdict = Some(storage_failure(&e));
                }
            }
            other => {
                // A quantity or PIN answers the scan that waited for it.
                let answer = matches!(other, Input::Quantity(_) | Input::Pin(_));
                if matches!(other, Input::Cancel) {
                    self.scan_log.clear();
                }
                let before = self.verdict.take();
                self.with_flow(|flow, cx| flow.input(cx, other));
                match &self.verdict {
                    Some(v) if answer => self.scan_log.answered(v),
                    Some(_) => {}
                    None => self.verdict = before,
                }
            }
        }
    }

    fn navigate(&mut self, screen: ScreenId) {
        if self.user.is_none() && !matches!(screen, ScreenId::Enroll | ScreenId::SignIn) {
            return;
        }
        self.verdict = None;
        self.scan_log.clear();
        self.screen = screen;
        self.flow = match screen {
            ScreenId::Issue => Some(Box::new(issue::IssueFlow::default())),
            ScreenId::Return => Some(Box::new(returns::ReturnFlow::default())),
            ScreenId::Inspect => Some(Box::new(returns::InspectFlow::default())),
            ScreenId::Confirm => Some(Box::new(site::ConfirmFlow::default())),
            ScreenId::Transfer => Some(Box::new(stock::TransferFlow::default())),
            ScreenId::Tools => Some(Box::new(stock::ToolsFlow::default())),
            ScreenId::Count => Some(Box::new(stock::CountFlow::default())),
            ScreenId::Receive => Some(Box::new(receive::ReceiveFlow::default())),
            _ => None,
        };
    }

    fn with_flow(&mut self, f: impl FnOnce(&mut dyn Flow, &mut Cx) -> Option<VerdictModel>) {
        let device = self.device();
        let (Some(flow), Some(user), Some(device)) =
            (self.flow.as_mut(), self.user.as_ref(), device)
        else {
            return;
        };
        let mut cx = Cx {
            cache: &mut self.cache,
            user,
            device: &device,
            now: Utc::now(),
            keys: &mut self.keys,
        };
        if let Some(v) = f(flow.as_mut(), &mut cx) {
            self.verdict = Some(v);
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        self.scans += 1;
        self.last_scan = Some(String::from_utf8_lossy(bytes).into_owned());
        let decoded = match scan::classify(bytes, &self.scan_config) {
            Ok(s) => s,
            Err(e) => {
                self.verdict = Some(problem(
                    &scan_error_code(e.code),
                    e.message.clone(),
                    t("Rescan the label; if it keeps failing, type the code by hand."),
                ));
                if self.flow.is_some() {
                    let code = String::from_utf8_lossy(bytes);
                    self.scan_log.scanned(&code, self.verdict.as_ref(), false);
                }
                return;
            }
        };
        match self.screen {
            ScreenId::Enroll => {}
            ScreenId::SignIn => self.badge_scanned(&decoded),
            ScreenId::Home | ScreenId::Attention => {
                // A work order scanned from home opens the issue screen with it.
                let resolved = match resolve::resolve(&self.cache, &decoded, None) {
                    Ok(r) => r,
                    Err(e) => {
                        self.verdict = Some(storage_failure(&e));
                        return;
                    }
                };
                if let Resolved::WorkOrder(_) = resolved {
                    self.navigate(ScreenId::Issue);
                    self.flow_scan(resolved);
                } else if let Resolved::Asset(_) = resolved {
                    self.navigate(ScreenId::Confirm);
                    self.flow_scan(resolved);
                } else {
                    self.verdict = Some(problem(
                        "wrong_step",
                        t("Choose what to do first."),
                        t("Tap Issue, Returns or another task, then scan."),
                    ));
                }
            }
            _ => {
                let context = self.flow.as_ref().and_then(|f| f.context_item());
                match resolve::resolve(&self.cache, &decoded, context.as_ref()) {
                    Ok(resolved) => self.flow_scan(resolved),
                    // Nothing judged: the scan is logged with the failure
                    // and can be scanned again.
                    Err(e) => {
                        self.verdict = Some(storage_failure(&e));
                        let code = self.last_scan.clone().unwrap_or_default();
                        self.scan_log.scanned(&code, self.verdict.as_ref(), false);
                    }
                }
            }
        }
    }

    /// A scan judged by the current task's flow, and entered in its log
    /// with the verdict it produced (the banner keeps the previous verdict
    /// when it produced none).
    fn flow_scan(&mut self, resolved: Resolved) {
        let badge = matches!(resolved, Resolved::Badge(_));
        let before = self.verdict.take();
        self.with_flow(|flow, cx| flow.scan(cx, resolved));
        let code = self.last_scan.clone().unwrap_or_default();
        self.scan_log.scanned(&code, self.verdict.as_ref(), badge);
        if self.verdict.is_none() {
            self.verdict = before;
        }
    }

    fn badge_scanned(&mut self, decoded: &scan::Scan) {
        let badge = match decoded {
            scan::Scan::Site(l) if l.kind == scan::SiteLabelKind::User => l.value.clone(),
            scan::Scan::Plain(s) => s.trim().to_string(),
            _ => {
                self.sign_in_error = t("That is not a badge. Scan your badge.");
                return;
            }
        };
        match badge_user(&self.cache, &badge) {
            Err(e) => {
                let failure = storage_failure(e);
                self.sign_in_error = format!("{} {}", failure.reason, failure.what_to_do);
            }
            Ok(Some(user)) => {
                self.badge = Some((badge, user));
                self.sign_in_error.clear();
            }
            // Scans are judged while a bootstrap runs: the people may not
            // have arrived yet.
            Ok(None) if self.sync.progress_fraction >= 0.0 => {
                self.sign_in_error = t(
                    "The site's data is still downloading. Scan your badge again when it is done.",
                );
            }
            Ok(None) => {
                self.sign_in_error =
                    t("Unknown badge. Ask your supervisor to register it, or sync and try again.");
            }
        }
    }

    /// Whether the screen says "Checking with the server…" (the worker
    /// asked the server about a PIN and waits for the answer).
    pub fn set_checking(&mut self, checking: bool) {
        self.checking = checking;
    }

    /// The badge scanned on the sign-in screen, waiting for its PIN.
    pub fn pending_badge(&self) -> Option<&str> {
        self.badge.as_ref().map(|(b, _)| b.as_str())
    }

    /// The approver's badge a workflow waits for a PIN for.
    pub fn pending_approver_badge(&self) -> Option<&str> {
        self.flow.as_ref().and_then(|f| f.approver_badge())
    }

    /// An approver signed in online at this device while approving: their
    /// key is kept, sealed by the PIN they entered, so the workflow opens
    /// it as it would offline. Whether it was kept.
    pub fn keep_approver_key(&mut self, user: &User, pin: &str, key: &PresenceKey) -> bool {
        match self.keep_key(user, pin, key) {
            Ok(_) => true,
            Err(e) => {
                log::warn!("the approver's key was not kept: {e}");
                false
            }
        }
    }

    /// Ends a sign-in: with the server's answer when it gave one, else
    /// offline by opening the person's presence key with the PIN. Whether
    /// someone is signed in now.
    pub fn finish_sign_in(&mut self, pin: &str, online: OnlineSignIn) -> bool {
        let Some((badge, person)) = self.badge.clone() else {
            self.sign_in_error = t("Scan your badge first.");
            return false;
        };
        let now = Utc::now();
        let opened = match online {
            OnlineSignIn::Signed { user, key } => {
                self.keep_key(&user, pin, &key).map(|k| (user, k))
            }
            OnlineSignIn::Refused(message) => Err(message),
            OnlineSignIn::Unreachable => {
                if let Some((n, at)) = self.pin_failures.get(&badge)
                    && *n >= OFFLINE_MAX_FAILURES
                    && at.elapsed() < OFFLINE_LOCKOUT
                {
                    self.sign_in_error = format!(
                        "{} {} {}",
                        t("Too many wrong PINs. Try again in"),
                        (OFFLINE_LOCKOUT - at.elapsed()).as_secs().div_ceil(60),
                        t("minutes, or sign in while the handheld is online.")
                    );
                    return false;
                }
                let result = open_key(&self.cache, &person, pin, now).map(|k| (person, k));
                if result.is_err() {
                    let e = self
                        .pin_failures
                        .entry(badge.clone())
                        .or_insert((0, Instant::now()));
                    if e.1.elapsed() >= OFFLINE_LOCKOUT {
                        e.0 = 0;
                    }
                    e.0 += 1;
                    e.1 = Instant::now();
                }
                result
            }
        };
        match opened {
            Ok((user, (key_id, key))) => {
                self.pin_failures.remove(&badge);
                self.keys.clear();
                self.keys.insert(user.id.clone(), key_id, key);
                self.user = Some(user);
                self.badge = None;
                self.sign_in_error.clear();
                self.screen = ScreenId::Home;
                true
            }
            Err(message) => {
                self.sign_in_error = message;
                false
            }
        }
    }

    /// Keeps the key the server issued, sealed by the PIN just entered,
    /// and gives the person's documents waiting in the outbox a proof made
    /// with it.
    fn keep_key(
        &mut self,
        user: &User,
        pin: &str,
        key: &PresenceKey,
    ) -> Result<(String, Vec<u8>), String> {
        let raw = sparescan_core::presence::hex_decode(&key.key)
            .ok_or_else(|| t("The server sent a key that is not valid. Try again."))?;
        let storage = |e: &dyn std::fmt::Display| format!("{} {e}", t("Storage error:"));
        let sealed = sealing::seal(pin, user.id.as_str(), &key.id, key.expires_at, &raw)
            .map_err(|e| storage(&e))?;
        self.cache
            .put_presence(&user.id, &sealed)
            .map_err(|e| storage(&e))?;
        let n = self
            .cache
            .reprove(&user.id, &key.id, &raw)
            .map_err(|e| storage(&e))?;
        if n > 0 {
            log::info!(
                "{n} outbox document(s) of {} proved again after an online sign-in",
                user.id
            );
        }
        Ok((key.id.clone(), raw))
    }

    /// The corrective action of a needs-attention item: open the screen
    /// where the document can be redone, with its context.
    fn act(&mut self, id: &str) {
        let Ok(uuid) = uuid::Uuid::parse_str(id) else {
            return;
        };
        let items = match self.cache.attention() {
            Ok(items) => items,
            Err(e) => {
                self.verdict = Some(storage_failure(&e));
                return;
            }
        };
        let Some(item) = items.into_iter().find(|i| i.doc.id == DocId(uuid)) else {
            return;
        };
        let screen = flow::screen_for(&item.doc);
        self.navigate(screen);
        let doc = item.doc.clone();
        self.with_flow(|flow, cx| flow.redo(cx, &doc));
    }

    /// The UI's model now.
    pub fn model(&mut self) -> UiModel {
        let pending = shown(self.cache.outbox_len());
        let attention_items = shown(self.cache.attention());
        self.sync.pending = pending;
        self.sync.attention = attention_items.len() as u64;
        if let Some(last) = shown(self.cache.meta(meta::LAST_SYNC)) {
            self.sync.last_sync = last;
        }
        let device = self.device();
        let flow = match (self.flow.as_ref(), self.user.as_ref(), device) {
            (Some(flow), Some(user), Some(device)) => {
                let cx = Cx {
                    cache: &mut self.cache,
                    user,
                    device: &device,
                    now: Utc::now(),
                    keys: &mut self.keys,
                };
                flow.model(&cx)
            }
            _ => ScreenModel::default(),
        };
        let mut flow = flow;
        let checking = self.checking.then(|| t("Checking with the server…"));
        if let (Some(text), Some(ask)) = (&checking, flow.ask_pin.as_mut()) {
            ask.title = text.clone();
        }
        let mut model = UiModel {
            screen: self.screen,
            user_name: self
                .user
                .as_ref()
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            role: self
                .user
                .as_ref()
                .map(|u| {
                    u.roles
                        .iter()
                        .map(|r| text::role(*r))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            verdict: self.verdict.clone(),
            sync: self.sync.clone(),
            enroll: self.enroll.clone(),
            sign_in: SignInModel {
                badge_name: self
                    .badge
                    .as_ref()
                    .map(|(_, u)| u.name.clone())
                    .unwrap_or_default(),
                error: self.sign_in_error.clone(),
                status: checking.unwrap_or_default(),
            },
            home: self.home(),
            recent_scans: self.scan_log.rows(&flow),
            flow,
            attention: attention_items
                .iter()
                .map(|a| {
                    let (reason, what_to_do) = text::refusal(&a.refusal);
                    AttentionModel {
                        id: a.doc.id.to_string(),
                        kind: text::kind(a.doc.kind()),
                        title: flow::describe(&a.doc),
                        reason,
                        what_to_do,
                        action_label: flow::action_label(&a.doc),
                        at: a.at.format("%Y-%m-%d %H:%M").to_string(),
                    }
                })
                .collect(),
            scans_handled: self.scans,
            last_scan: self.last_scan.clone().unwrap_or_default(),
        };
        // Said where it stays in sight whatever the screen, until a model
        // is built with every read working again.
        if DISPLAY_READ_FAILED.with(|f| f.replace(false)) {
            model.sync.activity = t(
                "Storage error: the screen may be incomplete. Restart the app; if it happens again, call support.",
            );
        }
        model
    }

    /// Home: the workflows core's role matrix lets the signed-in person
    /// record documents in, so no tile leads to a refusal for their role.
    fn home(&self) -> Vec<RowModel> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        let mut add = |screen: ScreenId, title: String, detail: String| {
            rows.push(RowModel::new(screen.name(), title, detail));
        };
        let policy = shown(sparescan_core::view::LedgerView::policy(&self.cache.view()));
        for workflow in rules::roles::workflows(user, &policy) {
            use rules::roles::Workflow as W;
            match workflow {
                W::Issue => {
                    let n = shown(self.cache.open_orders().map(|o| o.len()));
                    add(
                        ScreenId::Issue,
                        t("Issue parts"),
                        format!("{n} {}", t("open work orders")),
                    );
                }
                W::Return => add(
                    ScreenId::Return,
                    t("Returns"),
                    t("Unused parts and removed units into quarantine"),
                ),
                W::Inspect => {
                    let n = shown(self.cache.quarantine().map(|q| q.len()));
                    add(
                        ScreenId::Inspect,
                        t("Inspection"),
                        format!("{n} {}", t("positions in quarantine")),
                    );
                }
                W::Confirm => add(
                    ScreenId::Confirm,
                    t("On-site confirmation"),
                    t("Installed and removed serials, closure"),
                ),
                W::Transfer => add(
                    ScreenId::Transfer,
                    t("Transfer receipt"),
                    t("Receive parts sent from another store"),
                ),
                W::Tools => add(ScreenId::Tools, t("Tools"), t("Check out and return tools")),
                W::Count => add(ScreenId::Count, t("Cycle count"), t("Count a bin")),
                W::Receive => add(
                    ScreenId::Receive,
                    t("Goods receipt"),
                    t("A delivery into a bin, label by label"),
                ),
            }
        }
        add(
            ScreenId::Attention,
            t("Needs attention"),
            t("Documents the server refused"),
        );
        rows
    }
}

/// A scan error's stable code, as its serde name ("bad_check_digit").
fn scan_error_code(code: scan::ScanErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "scan_error".into())
}
