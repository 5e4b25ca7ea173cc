//! Master-data records as rows: the one path JSON and CSV edits both take.
//! A record arrives as a JSON object (a JSON body entry, or a CSV line
//! turned into one), is type-checked field by field, merged over the
//! current record (or the defaults, for a new one), checked against the
//! site's data, and becomes a [`Row`] for `Ledger::edit_master`.
//!
//! Fields left out keep their current value, so an edit may name only what
//! changes. Edits are upserts: master data is never deleted here (stock and
//! history point at it); users are deactivated instead.

use super::checks::After;
use crate::ledger::SiteState;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::{Row, RowKey};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

/// The master-data entities the back office edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Items,
    Warehouses,
    Bins,
    Batches,
    Assets,
    Users,
    Policy,
    Reasons,
}

impl Entity {
    pub const ALL: [Entity; 8] = [
        Entity::Items,
        Entity::Warehouses,
        Entity::Bins,
        Entity::Batches,
        Entity::Assets,
        Entity::Users,
        Entity::Policy,
        Entity::Reasons,
    ];

    /// As in the URL and the CLI: `items`, `bins`, …
    pub fn name(self) -> &'static str {
        match self {
            Entity::Items => "items",
            Entity::Warehouses => "warehouses",
            Entity::Bins => "bins",
            Entity::Batches => "batches",
            Entity::Assets => "assets",
            Entity::Users => "users",
            Entity::Policy => "policy",
            Entity::Reasons => "reasons",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Entity::Items => "item",
            Entity::Warehouses => "warehouse",
            Entity::Bins => "bin",
            Entity::Batches => "batch",
            Entity::Assets => "asset",
            Entity::Users => "user",
            Entity::Policy => "policy",
            Entity::Reasons => "reason",
        }
    }

    /// Who may edit it.
    pub fn editors(self) -> &'static [Role] {
        use sparescan_core::rules::roles::back_office;
        match self {
            Entity::Users | Entity::Policy => back_office::PEOPLE_AND_POLICY,
            Entity::Items | Entity::Warehouses | Entity::Bins | Entity::Batches => {
                back_office::CATALOG
            }
            Entity::Assets => back_office::ASSETS,
            Entity::Reasons => back_office::REASONS,
        }
    }

    /// The fields, in CSV column order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Entity::Items => ITEM_FIELDS,
            Entity::Warehouses => WAREHOUSE_FIELDS,
            Entity::Bins => BIN_FIELDS,
            Entity::Batches => BATCH_FIELDS,
            Entity::Assets => ASSET_FIELDS,
            Entity::Users => USER_FIELDS,
            Entity::Policy => POLICY_FIELDS,
            Entity::Reasons => REASON_FIELDS,
        }
    }

    /// Fields that name the record.
    pub fn key_fields(self) -> &'static [&'static str] {
        match self {
            Entity::Batches => &["item", "code"],
            Entity::Reasons => &["code"],
            Entity::Policy => &[],
            _ => &["id"],
        }
    }

    /// Records that belong to a site carry it; it is always the site being
    /// edited.
    fn has_site(self) -> bool {
        matches!(self, Entity::Warehouses | Entity::Assets | Entity::Users)
    }

    /// Values a new record starts from for the fields it leaves out.
    fn defaults(self) -> Value {
        match self {
            Entity::Items => json!({
                "kind": "material", "tracking": "none", "expiry_tracked": false,
                "serial_format": null, "barcodes": [], "substitutes": [], "critical": false,
                "unit_cost": null, "warranty_months": null,
            }),
            Entity::Batches => json!({ "expiry": null }),
            Entity::Assets => json!({ "area": "", "custodian": null }),
            Entity::Users => json!({ "active": true }),
            Entity::Reasons => json!({ "free_text": false, "active": true }),
            _ => json!({}),
        }
    }

    fn field_names(self) -> String {
        let mut names: Vec<&str> = self.fields().iter().map(|f| f.name).collect();
        if self.has_site() {
            names.push("site");
        }
        names.join(", ")
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Entity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Entity::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not master data: use one of {}",
                    Entity::ALL.map(Entity::name).join(", ")
                )
            })
    }
}

/// How a field is written in a CSV cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// As is.
    Text,
    /// Empty for none.
    OptText,
    /// `true` or `false`.
    Bool,
    /// Entries separated by `|`; empty for none.
    List,
    /// A whole number.
    Num,
    /// A whole number; empty for none.
    OptNum,
}

/// One field of a master-data record.
pub struct Field {
    pub name: &'static str,
    pub cell: Cell,
    /// A new record must give it.
    pub required: bool,
    /// Does the value have the field's type? The error says what it wants.
    check: fn(&Value) -> Result<(), String>,
}

fn ty<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
}

const fn field(
    name: &'static str,
    cell: Cell,
    required: bool,
    check: fn(&Value) -> Result<(), String>,
) -> Field {
    Field {
        name,
        cell,
        required,
        check,
    }
}

use Cell::*;

static ITEM_FIELDS: &[Field] = &[
    field("id", Text, true, ty::<String>),
    field("name", Text, true, ty::<String>),
    field("unit", Text, true, ty::<String>),
    field("kind", Text, false, ty::<ItemKind>),
    field("tracking", Text, false, ty::<Tracking>),
    field("expiry_tracked", Bool, false, ty::<bool>),
    field("serial_format", OptText, false, ty::<Option<String>>),
    field("barcodes", List, false, ty::<Vec<String>>),
    field("substitutes", List, false, ty::<Vec<String>>),
    field("critical", Bool, false, ty::<bool>),
    field("unit_cost", OptText, false, ty::<Option<Money>>),
    field("warranty_months", OptNum, false, ty::<Option<u32>>),
];
static WAREHOUSE_FIELDS: &[Field] = &[
    field("id", Text, true, ty::<String>),
    field("name", Text, true, ty::<String>),
];
static BIN_FIELDS: &[Field] = &[
    field("id", Text, true, ty::<String>),
    field("warehouse", Text, true, ty::<String>),
    field("zone", Text, true, ty::<Zone>),
];
static BATCH_FIELDS: &[Field] = &[
    field("item", Text, true, ty::<String>),
    field("code", Text, true, ty::<String>),
    field("expiry", OptText, false, ty::<Option<chrono::NaiveDate>>),
];
static ASSET_FIELDS: &[Field] = &[
    field("id", Text, true, ty::<String>),
    field("name", Text, true, ty::<String>),
    field("area", Text, false, ty::<String>),
    field("custodian", OptText, false, ty::<Option<String>>),
];
static USER_FIELDS: &[Field] = &[
    field("id", Text, true, ty::<String>),
    field("name", Text, true, ty::<String>),
    field("roles", List, true, ty::<BTreeSet<Role>>),
    field("active", Bool, false, ty::<bool>),
];
static REASON_FIELDS: &[Field] = &[
    field("code", Text, true, ty::<String>),
    field("kind", Text, true, ty::<ReasonKind>),
    field("text_en", Text, true, ty::<String>),
    field("text_ru", Text, true, ty::<String>),
    field("free_text", Bool, false, ty::<bool>),
    field("active", Bool, false, ty::<bool>),
];
static POLICY_FIELDS: &[Field] = &[
    field("tolerance_percent", Num, false, ty::<u32>),
    field("self_issue_allowed", Bool, false, ty::<bool>),
    field("return_deadline_working_days", Num, false, ty::<u32>),
    field("serial_required_items", List, false, ty::<BTreeSet<String>>),
    field("separation_of_duties", Bool, false, ty::<bool>),
    field("offline_limit_days", Num, false, ty::<u32>),
    field("exceptions", List, false, ty::<BTreeSet<ReasonCode>>),
    field("whole_units", List, false, ty::<BTreeSet<String>>),
    field("replan_free_percent", Num, false, ty::<u32>),
];

/// What is wrong with one record of an edit, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Position of the record in the edit (0-based).
    pub index: usize,
    /// The record, when its key could be read: "bin B-9".
    pub record: Option<String>,
    pub field: Option<String>,
    pub message: String,
    /// The other record this one clashes with.
    pub also: Option<usize>,
}

impl Problem {
    fn new(index: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        Problem {
            index,
            record: None,
            field: field.map(str::to_owned),
            message: message.into(),
            also: None,
        }
    }
}

/// A record of an edit, as a JSON object.
pub type Entry = Map<String, Value>;

/// Ids are typed and scanned from labels: printable, trimmed, short, and
/// free of `|` (which separates list entries in CSV).
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("is empty: give an id".into());
    }
    if id.trim() != id {
        return Err(format!("`{id}` starts or ends with spaces: remove them"));
    }
    if id.chars().count() > 64 {
        return Err(format!("`{id}` is longer than 64 characters: shorten it"));
    }
    if id.chars().any(|c| c.is_control() || c == '|') {
        return Err(format!(
            "`{id}` contains `|` or a control character: use letters, digits and -_./"
        ));
    }
    Ok(())
}

fn str_field<'a>(entry: &'a Entry, name: &str) -> Option<&'a str> {
    entry.get(name).and_then(Value::as_str)
}

/// The key of a record, from its key fields.
fn key_of(entity: Entity, entry: &Entry, index: usize) -> Result<RowKey, Problem> {
    let mut parts = Vec::new();
    for name in entity.key_fields() {
        let value = str_field(entry, name).ok_or_else(|| {
            Problem::new(
                index,
                Some(name),
                format!("every {} needs {name}", entity.singular()),
            )
        })?;
        check_id(value).map_err(|m| Problem::new(index, Some(name), format!("{name} {m}")))?;
        parts.push(value.to_owned());
    }
    let first = || parts[0].clone();
    Ok(match entity {
        Entity::Items => RowKey::Item(first().into()),
        Entity::Warehouses => RowKey::Warehouse(first().into()),
        Entity::Bins => RowKey::Bin(first().into()),
        Entity::Batches => RowKey::Batch(first().into(), parts[1].clone().into()),
        Entity::Assets => RowKey::Asset(first().into()),
        Entity::Users => RowKey::User(first().into()),
        Entity::Reasons => RowKey::SiteReason(first().into()),
        Entity::Policy => RowKey::Policy,
    })
}

fn describe(key: &RowKey) -> String {
    match key {
        RowKey::Item(id) => format!("item {id}"),
        RowKey::Warehouse(id) => format!("warehouse {id}"),
        RowKey::Bin(id) => format!("bin {id}"),
        RowKey::Batch(item, code) => format!("batch {code} of {item}"),
        RowKey::Asset(id) => format!("asset {id}"),
        RowKey::User(id) => format!("user {id}"),
        RowKey::SiteReason(id) => format!("reason {id}"),
        _ => "the site policy".into(),
    }
}

/// The entity's records as JSON objects, in key order (for GET and CSV).
pub fn records(entity: Entity, master: &MasterData) -> Vec<Value> {
    fn sorted<T: Serialize, K: Ord>(list: &[T], key: impl Fn(&T) -> K) -> Vec<Value> {
        let mut refs: Vec<&T> = list.iter().collect();
        // The key made once a record (a 100,000-item list).
        refs.sort_by_cached_key(|x| key(x));
        refs.into_iter()
            .map(|x| serde_json::to_value(x).unwrap_or(Value::Null))
            .collect()
    }
    match entity {
        Entity::Items => sorted(&master.items, |x| x.id.clone()),
        Entity::Warehouses => sorted(&master.warehouses, |x| x.id.clone()),
        Entity::Bins => sorted(&master.bins, |x| x.id.clone()),
        Entity::Batches => sorted(&master.batches, |x| (x.item.clone(), x.code.clone())),
        Entity::Assets => sorted(&master.assets, |x| x.id.clone()),
        Entity::Users => sorted(&master.users, |x| x.id.clone()),
        Entity::Reasons => sorted(&master.reasons, |x| x.code.clone()),
        Entity::Policy => vec![serde_json::to_value(&master.policy).unwrap_or(Value::Null)],
    }
}

/// The record in its stored form: deserialised into its type and back, so
/// what is stored is canonical.
fn canonical(entity: Entity, value: Value) -> Result<Value, String> {
    fn via<T: DeserializeOwned + Serialize>(v: Value) -> Result<Value, String> {
        let typed: T = serde_json::from_value(v).map_err(|e| e.to_string())?;
        serde_json::to_value(typed).map_err(|e| e.to_string())
    }
    match entity {
        Entity::Items => via::<Item>(value),
        Entity::Warehouses => via::<Warehouse>(value),
        Entity::Bins => via::<Bin>(value),
        Entity::Batches => via::<Batch>(value),
        Entity::Assets => via::<Asset>(value),
        Entity::Users => via::<User>(value),
        Entity::Reasons => via::<SiteReason>(value),
        Entity::Policy => via::<SitePolicy>(value),
    }
}

/// Turns an edit's records into master-data rows, checked against the
/// site's current state. The first problem refuses the whole edit.
pub fn to_rows(
    entity: Entity,
    state: &SiteState,
    entries: Vec<Entry>,
) -> Result<Vec<Row>, Problem> {
    let site =
        state.master.site.clone().ok_or_else(|| {
            Problem::new(0, None, "the site has no id: the server data is damaged")
        })?;
    if entries.is_empty() {
        return Err(Problem::new(
            0,
            None,
            "nothing to save: give at least one record",
        ));
    }
    if entity == Entity::Policy && entries.len() != 1 {
        return Err(Problem::new(
            0,
            None,
            "the policy is one record: send one object with the settings that change",
        ));
    }
    let fields = entity.fields();
    let mut seen: HashMap<RowKey, usize> = HashMap::new();
    let mut records: Vec<(RowKey, Value)> = Vec::with_capacity(entries.len());
    for (index, mut entry) in entries.into_iter().enumerate() {
        for name in entry.keys() {
            let known =
                fields.iter().any(|f| f.name == name) || (name == "site" && entity.has_site());
            if !known {
                return Err(Problem::new(
                    index,
                    Some(name),
                    format!(
                        "unknown field `{name}`: the fields of {entity} are {}",
                        entity.field_names()
                    ),
                ));
            }
        }
        for f in fields {
            if let Some(v) = entry.get(f.name) {
                (f.check)(v).map_err(|m| Problem::new(index, Some(f.name), m))?;
            }
        }
        let key = key_of(entity, &entry, index)?;
        let with_record = |mut p: Problem| {
            p.record = Some(describe(&key));
            p
        };
        if let Some(s) = entry.remove("site")
            && s.as_str() != Some(site.as_str())
        {
            return Err(with_record(Problem::new(
                index,
                Some("site"),
                format!("this is site {site}: sign in at the other site to edit its data"),
            )));
        }
        if let Some(first) = seen.insert(key.clone(), index) {
            let mut p = Problem::new(index, None, "is listed twice: list each record once");
            p.also = Some(first);
            return Err(with_record(p));
        }
        let current = state.ledger.row(&key);
        if current.is_none()
            && let Some(f) = fields
                .iter()
                .find(|f| f.required && !entry.contains_key(f.name))
        {
            return Err(with_record(Problem::new(
                index,
                Some(f.name),
                format!("a new {} needs {}", entity.singular(), f.name),
            )));
        }
        let mut merged = match current {
            Some(Value::Object(m)) => m,
            _ => match entity.defaults() {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        };
        merged.extend(entry);
        if entity.has_site() {
            merged.insert("site".into(), Value::String(site.to_string()));
        }
        let value = canonical(entity, Value::Object(merged))
            .map_err(|m| with_record(Problem::new(index, None, m)))?;
        records.push((key, value));
    }
    let after = After::new(state, entity, &records);
    for (index, (key, value)) in records.iter().enumerate() {
        after
            .check(state, entity, value)
            .map_err(|(field, message)| Problem {
                index,
                record: Some(describe(key)),
                field: field.map(str::to_owned),
                message,
                also: None,
            })?;
    }
    Ok(records
        .into_iter()
        .map(|(key, value)| Row {
            key,
            value: Some(value),
        })
        .collect())
}
