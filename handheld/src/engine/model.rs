//! What the UI shows, as plain data: the engine produces it, the bridge
//! copies it into the Slint adapters (one per screen), tests read it
//! directly without a window.

use serde::Serialize;

/// Screens, named as `AppAdapter.screen` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScreenId {
    Enroll,
    SignIn,
    Home,
    Issue,
    Return,
    Inspect,
    Confirm,
    Transfer,
    Tools,
    Count,
    Receive,
    Attention,
}

impl ScreenId {
    pub const ALL: [ScreenId; 12] = [
        ScreenId::Enroll,
        ScreenId::SignIn,
        ScreenId::Home,
        ScreenId::Issue,
        ScreenId::Return,
        ScreenId::Inspect,
        ScreenId::Confirm,
        ScreenId::Transfer,
        ScreenId::Tools,
        ScreenId::Count,
        ScreenId::Receive,
        ScreenId::Attention,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScreenId::Enroll => "enroll",
            ScreenId::SignIn => "sign-in",
            ScreenId::Home => "home",
            ScreenId::Issue => "issue",
            ScreenId::Return => "return",
            ScreenId::Inspect => "inspect",
            ScreenId::Confirm => "confirm",
            ScreenId::Transfer => "transfer",
            ScreenId::Tools => "tools",
            ScreenId::Count => "count",
            ScreenId::Receive => "receive",
            ScreenId::Attention => "attention",
        }
    }

    pub fn from_name(name: &str) -> Option<ScreenId> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerdictModel {
    pub ok: bool,
    pub title: String,
    pub reason: String,
    pub what_to_do: String,
    pub code: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Tone {
    #[default]
    Plain,
    Ok,
    Warn,
    Bad,
}

impl Tone {
    pub fn name(self) -> &'static str {
        match self {
            Tone::Plain => "",
            Tone::Ok => "ok",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowModel {
    pub id: String,
    pub title: String,
    pub detail: String,
    pub tone: Tone,
}

impl RowModel {
    pub fn new(id: impl Into<String>, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            detail: detail.into(),
            tone: Tone::Plain,
        }
    }

    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }

    /// A work order to pick from a list: its id, asset and scope.
    pub fn work_order(wo: &sparescan_core::model::WorkOrder) -> Self {
        Self::new(
            wo.id.to_string(),
            format!("{} · {}", wo.id, wo.asset),
            wo.scope.clone(),
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineModel {
    pub id: String,
    pub item: String,
    pub description: String,
    pub planned: String,
    pub reserved: String,
    pub issued: String,
    pub in_work: String,
    pub unit: String,
    pub selected: bool,
}

/// The keypad dialog asking for a quantity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuantityAsk {
    pub title: String,
    pub preset: String,
}

/// The dialog asking an approver or supervisor for badge and PIN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PinAsk {
    pub title: String,
    /// Who scanned their badge, empty until then.
    pub who: String,
}

/// One workflow screen (issue, return, inspect, confirm, transfer, tools,
/// count): every such screen has the same adapter shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScreenModel {
    pub prompt: String,
    pub header: String,
    pub subheader: String,
    pub lines: Vec<LineModel>,
    pub rows: Vec<RowModel>,
    /// What the rows are, where a screen's rows change with its step
    /// (empty: the screen's own title).
    pub rows_title: String,
    pub pending: Vec<RowModel>,
    pub choices: Vec<RowModel>,
    pub blockers: Vec<RowModel>,
    pub hint: String,
    pub can_confirm: bool,
    pub confirm_label: String,
    pub ask_quantity: Option<QuantityAsk>,
    pub ask_pin: Option<PinAsk>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttentionModel {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub reason: String,
    pub what_to_do: String,
    pub action_label: String,
    pub at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncModel {
    pub online: bool,
    pub pending: u64,
    pub attention: u64,
    pub last_sync: String,
    /// What the sync is doing now, for the status line: "Syncing…",
    /// "Offline since 14:05 UTC"; empty when idle and online.
    pub activity: String,
    pub progress: String,
    /// Below zero: no progress bar.
    pub progress_fraction: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnrollModel {
    pub server_url: String,
    pub ca_path: String,
    pub device_name: String,
    pub error: String,
    pub working: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignInModel {
    pub badge_name: String,
    pub error: String,
    /// "Checking with the server…" while an online sign-in waits.
    pub status: String,
}

/// Everything the UI shows at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiModel {
    pub screen: ScreenId,
    pub user_name: String,
    pub role: String,
    pub verdict: Option<VerdictModel>,
    pub sync: SyncModel,
    pub enroll: EnrollModel,
    pub sign_in: SignInModel,
    pub home: Vec<RowModel>,
    /// The model of the current workflow screen (empty on other screens).
    pub flow: ScreenModel,
    /// The current task's last scans, newest first, each with what became
    /// of it.
    pub recent_scans: Vec<RowModel>,
    pub attention: Vec<AttentionModel>,
    /// Scans handled since start, and the last one (burst tests check that
    /// none is dropped or reordered).
    pub scans_handled: u64,
    pub last_scan: String,
}
