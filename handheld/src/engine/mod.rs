//! The app's behaviour without a window: screens, sign-in, and the
//! workflows (issue, return, inspect, confirm, transfer, tools, count) as
//! state machines fed with [`Input`]s. Every verdict comes from core's rules
//! over the local cache ([`Cache::view`]): the same functions the server runs.
//! The worker owns the engine; the UI only sees [`UiModel`]s.

mod flow;
mod issue;
pub mod model;
pub mod resolve;
mod returns;
mod scanlog;
mod site;
mod stock;
mod text;

use chrono::{DateTime, Utc};
use sparescan_core::document::{Body, Document};
use sparescan_core::ids::*;
use sparescan_core::model::{Role, User};
use sparescan_core::reason::Refusal;
use sparescan_core::rules::{self, Outcome};
use sparescan_core::scan::{self, ScanConfig};
use sparescan_core::view::LedgerView;

use crate::cache::{Cache, CacheError};
pub use flow::Flow;
use model::*;
use resolve::Resolved;
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
            approver: None,
            follows: None,
            body,
        }
    }

    /// The rules' verdict on `doc`, without recording it.
    pub fn judge(&self, doc: &Document) -> Result<Outcome, Refusal> {
        rules::evaluate(&self.cache.view(), doc)
    }

    /// Records `doc` in the outbox if the rules accept it.
    pub fn submit(&mut self, doc: Document) -> Result<Result<Outcome, Refusal>, CacheError> {
        self.cache.submit(doc)
    }

    /// The person a badge and PIN belong to, checked offline against the
    /// PIN hashes the server sent.
    pub fn check_pin(&self, badge: &str, pin: &str) -> Option<User> {
        check_pin(self.cache, badge, pin)
    }

    pub fn badge_user(&self, badge: &str) -> Option<User> {
        badge_user(self.cache, badge)
    }
}

fn badge_user(cache: &Cache, badge: &str) -> Option<User> {
    cache.user_by_badge(badge).ok().flatten()
}

/// The person a badge and PIN belong to, checked against the PIN hash the
/// server sent (argon2), so signing in works offline.
fn check_pin(cache: &Cache, badge: &str, pin: &str) -> Option<User> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let cred = cache.credential(badge).ok().flatten()?;
    let hash = PasswordHash::new(&cred.pin_hash).ok()?;
    argon2::Argon2::default()
        .verify_password(pin.as_bytes(), &hash)
        .ok()?;
    cache
        .view()
        .user(&cred.user.as_str().into())
        .filter(|u| u.active)
}

pub fn accepted_verdict(title: impl Into<String>, detail: impl Into<String>) -> VerdictModel {
    VerdictModel {
        ok: true,
        title: title.into(),
        reason: detail.into(),
        what_to_do: String::new(),
        code: "accepted".into(),
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
    /// The current task's last scans and their verdicts.
    scan_log: scanlog::ScanLog,
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
            scan_log: scanlog::ScanLog::default(),
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
        let id = self.cache.meta(meta::DEVICE_ID).ok().flatten()?;
        let site = self.cache.meta(meta::SITE).ok().flatten()?;
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
            Input::Scan(bytes) => self.scan(&bytes),
            Input::Typed(text) => self.scan(text.as_bytes()),
            Input::Navigate(screen) => self.navigate(screen),
            Input::Back => self.navigate(ScreenId::Home),
            Input::SignOut => {
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
            Input::SignIn { pin } => self.sign_in(&pin),
            Input::CancelSignIn => {
                self.badge = None;
                self.sign_in_error.clear();
            }
            Input::Act(id) => self.act(&id),
            Input::Resolve(id) => {
                if let Ok(uuid) = uuid::Uuid::parse_str(&id)
                    && let Err(e) = self.cache.resolve_attention(DocId(uuid))
                {
                    self.verdict = Some(problem("storage", e.to_string(), t("Try again.")));
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
                let resolved = resolve::resolve(&self.cache, &decoded, None);
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
                let resolved = resolve::resolve(&self.cache, &decoded, context.as_ref());
                self.flow_scan(resolved);
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
            Some(user) => {
                self.badge = Some((badge, user));
                self.sign_in_error.clear();
            }
            None => {
                self.sign_in_error =
                    t("Unknown badge. Ask your supervisor to register it, or sync and try again.");
            }
        }
    }

    fn sign_in(&mut self, pin: &str) {
        let Some((badge, _)) = self.badge.clone() else {
            self.sign_in_error = t("Scan your badge first.");
            return;
        };
        match check_pin(&self.cache, &badge, pin) {
            Some(user) => {
                self.user = Some(user);
                self.badge = None;
                self.sign_in_error.clear();
                self.screen = ScreenId::Home;
            }
            None => self.sign_in_error = t("Wrong PIN. Try again."),
        }
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
                self.verdict = Some(problem("storage", e.to_string(), t("Try again.")));
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
        let pending = self.cache.outbox_len().unwrap_or(0);
        let attention_items = self.cache.attention().unwrap_or_default();
        self.sync.pending = pending;
        self.sync.attention = attention_items.len() as u64;
        if let Ok(Some(last)) = self.cache.meta(meta::LAST_SYNC) {
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
                };
                flow.model(&cx)
            }
            _ => ScreenModel::default(),
        };
        UiModel {
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
        }
    }

    /// Home: the tasks of the signed-in person's roles.
    fn home(&self) -> Vec<RowModel> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        let mut add = |screen: ScreenId, title: String, detail: String| {
            rows.push(RowModel::new(screen.name(), title, detail));
        };
        let any = |roles: &[Role]| user.has_any(roles) || user.has(Role::Admin);
        if any(&[Role::Technician, Role::Clerk, Role::Supervisor]) {
            let n = self.cache.open_orders().map(|o| o.len()).unwrap_or(0);
            add(
                ScreenId::Issue,
                t("Issue parts"),
                format!("{n} {}", t("open work orders")),
            );
        }
        if any(&[Role::Clerk, Role::Supervisor]) {
            add(
                ScreenId::Return,
                t("Returns"),
                t("Unused parts and removed units into quarantine"),
            );
            let n = self.cache.quarantine().map(|q| q.len()).unwrap_or(0);
            add(
                ScreenId::Inspect,
                t("Inspection"),
                format!("{n} {}", t("positions in quarantine")),
            );
        }
        if any(&[Role::Supervisor, Role::Technician]) {
            add(
                ScreenId::Confirm,
                t("On-site confirmation"),
                t("Installed and removed serials, closure"),
            );
        }
        if any(&[Role::Clerk, Role::Technician, Role::Supervisor]) {
            add(
                ScreenId::Transfer,
                t("Transfer receipt"),
                t("Receive parts sent from another store"),
            );
            add(ScreenId::Tools, t("Tools"), t("Check out and return tools"));
        }
        if any(&[Role::Clerk, Role::Controller]) {
            add(ScreenId::Count, t("Cycle count"), t("Count a bin"));
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
