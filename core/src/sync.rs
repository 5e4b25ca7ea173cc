//! The sync protocol between devices and the server (`/api/v1`): every
//! wire type of it (enrollment, sessions, credentials, push, pull,
//! bootstrap, errors), and the row model both sides keep their state in.
//! The server's handlers and the device's client both take them from here.
//!
//! State — master data, every projection and the documents later ones
//! follow — is a set of rows: a [`RowKey`] naming one entity and its JSON
//! value. The server stores rows, appends every change to a change log with
//! a monotonic sequence, serves the log to devices (pull) and a consistent
//! copy of all rows (bootstrap); a device applies the same rows to its
//! cache. [`crate::memory::MemoryLedger`] reads and writes rows, so a ledger
//! built from pulled rows equals the server's.

use crate::document::Document;
use crate::ids::*;
use crate::model::{InWorkKey, SerialKey, StockKey, User};
use crate::reason::{ReasonCode, Refusal};
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "v1";

/// One entity of the state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "entity", content = "key", rename_all = "snake_case")]
pub enum RowKey {
    // Master data.
    Policy,
    Item(ItemId),
    Warehouse(WarehouseId),
    Bin(BinId),
    Batch(ItemId, BatchCode),
    Asset(AssetId),
    User(UserId),
    WorkOrder(WorkOrderId),
    Line(DemandLineId),
    Request(RequestId),
    Template(TemplateId),
    SiteReason(ReasonId),
    // Projections of the ledger.
    Stock(StockKey),
    InWork(InWorkKey),
    IssueOpen(DocId),
    Serial(SerialKey),
    LineCounts(DemandLineId),
    Reserve(ReserveId),
    Tool(DocId),
    Emergency(DocId),
    /// An approval request asked for later ([`crate::model::Approval`]).
    Approval(DocId),
    Transit(DocId),
    MissingSerial(DocId),
    Discrepancy(DocId),
    ClosedUntil,
    Reversed(DocId),
    Warranty(SerialKey),
    /// A lot first known from its receipt: [item, batch code].
    ReceivedBatch(ItemId, BatchCode),
    /// An accepted document later ones follow (see
    /// [`crate::document::DocKind::is_followable`]); its value is the
    /// [`crate::view::Accepted`], `reversed_by` kept current.
    Document(DocId),
}

impl RowKey {
    /// The entity name, as in the key's JSON.
    pub fn entity(&self) -> &'static str {
        match self {
            RowKey::Policy => "policy",
            RowKey::Item(_) => "item",
            RowKey::Warehouse(_) => "warehouse",
            RowKey::Bin(_) => "bin",
            RowKey::Batch(..) => "batch",
            RowKey::Asset(_) => "asset",
            RowKey::User(_) => "user",
            RowKey::WorkOrder(_) => "work_order",
            RowKey::Line(_) => "line",
            RowKey::Request(_) => "request",
            RowKey::Template(_) => "template",
            RowKey::SiteReason(_) => "site_reason",
            RowKey::Stock(_) => "stock",
            RowKey::InWork(_) => "in_work",
            RowKey::IssueOpen(_) => "issue_open",
            RowKey::Serial(_) => "serial",
            RowKey::LineCounts(_) => "line_counts",
            RowKey::Reserve(_) => "reserve",
            RowKey::Tool(_) => "tool",
            RowKey::Emergency(_) => "emergency",
            RowKey::Approval(_) => "approval",
            RowKey::Transit(_) => "transit",
            RowKey::MissingSerial(_) => "missing_serial",
            RowKey::Discrepancy(_) => "discrepancy",
            RowKey::ClosedUntil => "closed_until",
            RowKey::Reversed(_) => "reversed",
            RowKey::Warranty(_) => "warranty",
            RowKey::ReceivedBatch(..) => "received_batch",
            RowKey::Document(_) => "document",
        }
    }

    /// Master data (changed by the back office), as opposed to projections
    /// (changed only by documents).
    pub fn is_master_data(&self) -> bool {
        matches!(
            self,
            RowKey::Policy
                | RowKey::Item(_)
                | RowKey::Warehouse(_)
                | RowKey::Bin(_)
                | RowKey::Batch(..)
                | RowKey::Asset(_)
                | RowKey::User(_)
                | RowKey::WorkOrder(_)
                | RowKey::Line(_)
                | RowKey::Request(_)
                | RowKey::Template(_)
                | RowKey::SiteReason(_)
        )
    }

    /// Canonical text form, used as the storage key.
    pub fn to_text(&self) -> String {
        // Serialising these plain data types cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

// utoipa cannot derive an adjacently tagged enum with a two-field variant
// (`batch`), so the key's schema is written out: one object per entity,
// `key` as serde writes it, and the schema of the row's value named in
// each variant's description. The server's OpenAPI test checks every
// variant against it.
#[cfg(feature = "openapi")]
impl RowKey {
    /// Each entity, the schema of its `key` (none for the site-wide
    /// entities) and what its rows' value is.
    fn schema_variants() -> Vec<(
        &'static str,
        Option<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
        &'static str,
    )> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, ArrayItems};
        use utoipa::openapi::{Ref, RefOr};
        fn r<T: ToSchema>() -> Option<RefOr<utoipa::openapi::schema::Schema>> {
            Some(Ref::from_schema_name(T::name()).into())
        }
        // A tuple's items are schemas, not references: wrap each.
        fn item<T: ToSchema>() -> utoipa::openapi::schema::Schema {
            AllOfBuilder::new()
                .item(Ref::from_schema_name(T::name()))
                .into()
        }
        let batch = ArrayBuilder::new()
            .prefix_items([item::<ItemId>(), item::<BatchCode>()])
            .items(ArrayItems::False)
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some("[item, batch code]"))
            .build();
        vec![
            ("policy", None, "`SitePolicy`"),
            ("item", r::<ItemId>(), "`Item`"),
            ("warehouse", r::<WarehouseId>(), "`Warehouse`"),
            ("bin", r::<BinId>(), "`Bin`"),
            ("batch", Some(batch.clone().into()), "`Batch`"),
            ("asset", r::<AssetId>(), "`Asset`"),
            ("user", r::<UserId>(), "`User`"),
            ("work_order", r::<WorkOrderId>(), "`WorkOrder`"),
            ("line", r::<DemandLineId>(), "`DemandLine`"),
            ("request", r::<RequestId>(), "`MaintenanceRequest`"),
            ("template", r::<TemplateId>(), "`WorkTemplate`"),
            ("site_reason", r::<ReasonId>(), "`SiteReason`"),
            ("stock", r::<StockKey>(), "`Qty`, on the shelf"),
            ("in_work", r::<InWorkKey>(), "`Qty`, in work"),
            (
                "issue_open",
                r::<DocId>(),
                "`Qty`, of the issue not yet returned or written off",
            ),
            ("serial", r::<SerialKey>(), "`SerialState`"),
            ("line_counts", r::<DemandLineId>(), "`LineCounts`"),
            ("reserve", r::<DocId>(), "`Reserve`"),
            ("tool", r::<DocId>(), "`ToolOut`"),
            ("emergency", r::<DocId>(), "`Emergency`"),
            ("approval", r::<DocId>(), "`Approval`"),
            ("transit", r::<DocId>(), "`Transit`"),
            ("missing_serial", r::<DocId>(), "`MissingSerial`"),
            ("discrepancy", r::<DocId>(), "`Discrepancy`"),
            (
                "closed_until",
                None,
                "a date, `YYYY-MM-DD`: the books are closed through it",
            ),
            (
                "reversed",
                r::<DocId>(),
                "`DocId`, of the correction that reversed the document",
            ),
            (
                "received_batch",
                Some(batch.clone().into()),
                "`Batch`, a lot first known from its receipt",
            ),
            (
                "warranty",
                r::<SerialKey>(),
                "a date, `YYYY-MM-DD`: the last day of the unit's warranty",
            ),
            (
                "document",
                r::<DocId>(),
                "`Accepted`, a document that later ones follow (an issue, transfer \
                 out or tool checkout) as the ledger keeps it; `reversed_by` names \
                 the correction that reversed it",
            ),
        ]
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RowKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let variants = Self::schema_variants()
            .into_iter()
            .map(|(entity, key, value)| {
                let mut object = ObjectBuilder::new()
                    .description(Some(format!("The row's value: {value}.")))
                    .property(
                        "entity",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some([entity])),
                    )
                    .required("entity");
                if let Some(key) = key {
                    object = object.property("key", key).required("key");
                }
                object.build()
            });
        variants
            .fold(OneOfBuilder::new(), OneOfBuilder::item)
            .description(Some(
                "One entity of the state: `entity` names it, `key` identifies it \
                 (absent for the site-wide `policy` and `closed_until`). Each variant \
                 names the schema of the row's value.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RowKey {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::model::*;
        use crate::qty::Qty;
        use utoipa::ToSchema;
        fn add<T: ToSchema>(
            schemas: &mut Vec<(
                String,
                utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
            )>,
        ) {
            schemas.push((T::name().into(), T::schema()));
            T::schemas(schemas);
        }
        // Keys.
        add::<ItemId>(schemas);
        add::<WarehouseId>(schemas);
        add::<BinId>(schemas);
        add::<BatchCode>(schemas);
        add::<AssetId>(schemas);
        add::<UserId>(schemas);
        add::<WorkOrderId>(schemas);
        add::<DemandLineId>(schemas);
        add::<RequestId>(schemas);
        add::<TemplateId>(schemas);
        add::<ReasonId>(schemas);
        add::<StockKey>(schemas);
        add::<InWorkKey>(schemas);
        add::<SerialKey>(schemas);
        add::<DocId>(schemas);
        // Values.
        add::<SitePolicy>(schemas);
        add::<Item>(schemas);
        add::<Warehouse>(schemas);
        add::<Bin>(schemas);
        add::<Batch>(schemas);
        add::<Asset>(schemas);
        add::<User>(schemas);
        add::<WorkOrder>(schemas);
        add::<DemandLine>(schemas);
        add::<MaintenanceRequest>(schemas);
        add::<WorkTemplate>(schemas);
        add::<StandardLine>(schemas);
        add::<SiteReason>(schemas);
        add::<ReasonKind>(schemas);
        add::<Qty>(schemas);
        add::<SerialState>(schemas);
        add::<LineCounts>(schemas);
        add::<Reserve>(schemas);
        add::<ToolOut>(schemas);
        add::<Emergency>(schemas);
        add::<Approval>(schemas);
        add::<ApprovalDecided>(schemas);
        add::<ApprovalKind>(schemas);
        add::<Transit>(schemas);
        add::<MissingSerial>(schemas);
        add::<Discrepancy>(schemas);
        add::<crate::view::Accepted>(schemas);
    }
}

/// A row and its value; `None` deletes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub key: RowKey,
    /// The entity's value, of the schema the key's variant names; `null`
    /// deletes the row.
    pub value: Option<serde_json::Value>,
}

/// A presence key ([`crate::presence`]), issued when a person signs in
/// online on an enrolled device. The device keeps it only wrapped by a key
/// derived from the person's PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresenceKey {
    /// `pk-…`, named in each document's proof.
    pub id: String,
    /// 32 bytes, lower-case hex.
    pub key: String,
    /// Documents dated after this are not accepted with it; the device
    /// refuses an offline sign-in with it after this.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

// The key never reaches a log through `{:?}`.
impl std::fmt::Debug for PresenceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresenceKey")
            .field("id", &self.id)
            .field("key", &"…")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Who a badge belongs to, for the sign-in screen of a device. No secret
/// travels: a device checks a PIN offline only by unwrapping the presence
/// key that person received there online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BadgeHolder {
    pub badge: String,
    pub user: UserId,
}

/// `POST /api/v1/devices/enroll`: a one-time code from an admin and a name
/// for the device.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time enrollment code, e.g. `ABCD-EFGH-JKMN` (case, dashes
    /// and spaces do not matter).
    #[cfg_attr(feature = "openapi", schema(example = "ABCD-EFGH-JKMN"))]
    pub code: String,
    /// 1 to 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "handheld 3", min_length = 1, max_length = 100)
    )]
    pub name: String,
}

/// The enrolled device and its token (`dev_…`), shown once.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub device_id: String,
    pub site: SiteId,
    /// The device's bearer token, `dev_…`.
    pub token: String,
}

/// `POST /api/v1/sessions`: on a device badge and PIN; in the back office
/// badge (or user id), password and site.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The badge; in the back office the user id is taken too.
    pub badge: String,
    /// On an enrolled device: the PIN.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pin: String,
    /// In the back office: the password (a PIN does not open it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// For back-office sign-in without a device token.
    #[serde(default)]
    pub site: Option<SiteId>,
}

/// A session: its bearer token (`ses_…`), the person, when it ends.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    /// The session's bearer token, `ses_…`.
    pub token: String,
    pub user: User,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// On an enrolled device: the person's presence key there, with which
    /// the device signs each document in their name (docs/security.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<PresenceKey>,
    /// Signed in with a one-time password: until it is changed
    /// (`PUT /api/v1/me/password`) the session may do nothing else.
    #[serde(default)]
    pub password_change_required: bool,
}

/// POST /api/v1/sync/push: documents in device order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub documents: Vec<Document>,
}

/// Exactly one verdict per pushed document, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Recorded in the ledger at `seq`. `exceptions` opened discrepancies.
    Accepted {
        id: DocId,
        seq: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exceptions: Vec<ReasonCode>,
    },
    /// Already recorded (a retry): the same answer again.
    Duplicate { id: DocId, seq: u64 },
    /// Not recorded: why, and what to do.
    Rejected { id: DocId, refusal: Refusal },
}

impl Verdict {
    pub fn id(&self) -> DocId {
        match self {
            Verdict::Accepted { id, .. }
            | Verdict::Duplicate { id, .. }
            | Verdict::Rejected { id, .. } => *id,
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The server's change sequence, monotonic in commit order.
    pub seq: u64,
    pub key: RowKey,
    /// The entity's new value, of the schema the key's variant names;
    /// `null`: deleted.
    pub value: Option<serde_json::Value>,
}

/// The query of `GET /api/v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor of the last pull or bootstrap (0 for everything).
    #[serde(default)]
    pub after: u64,
    /// Changes per page at most (capped by the server's page size).
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub limit: Option<u32>,
}

/// GET /api/v1/sync/pull?after=N&limit=M
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Pull again after this.
    pub cursor: u64,
    /// More changes are waiting.
    pub more: bool,
}

/// GET /api/v1/sync/bootstrap: a consistent copy of every row of the
/// device's site, in pages; `cursor` is where pulls continue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BootstrapPage {
    pub rows: Vec<Row>,
    /// The change sequence the snapshot is consistent at.
    pub cursor: u64,
    /// Token for the next page; none on the last.
    pub next: Option<String>,
    /// Rows in the whole snapshot, for progress.
    pub total: u64,
}

/// The query of `GET /api/v1/sync/bootstrap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct BootstrapQuery {
    /// The `next` token of the previous page; none for the first page.
    pub page: Option<String>,
}

/// An API error body: a stable code, a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

/// `POST /api/v1/sites`: an admin makes another site and its first admin,
/// as `sparescan-server init` makes the first one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SiteCreate {
    /// The new site's id: at most 64 characters, no `|`.
    pub site: String,
    /// The site's name, as people call it.
    pub name: String,
    /// The new site's first admin: their badge, which is also their user id.
    pub admin: String,
    /// The admin's name.
    pub admin_name: String,
}

/// `PUT /api/v1/me/password`: a person sets their own back-office password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password signed in with (a one-time one too).
    pub current: String,
    /// At least 12 characters (`limits::MIN_PASSWORD_CHARS`), at most 256
    /// bytes, not the badge or the user id.
    pub new: String,
}

// Passwords never reach a log through `{:?}`.
impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}

/// A one-time password an admin gave out, shown once: the person signs in
/// with it and must choose their own before anything else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OneTimePassword {
    pub user: UserId,
    pub password: String,
    /// It opens nothing after this.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimePassword")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
