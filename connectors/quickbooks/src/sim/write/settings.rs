//! Attachables (notes and files linked to other entities).

use serde_json::Value;

use super::Ctx;
use crate::sim::refusals;
use crate::sim::store::id_of;
use crate::wire::{Fault, canonical_entity};

/// An attachable needs a note or a file name; every entity it links to must exist.
pub fn attachable(ctx: &mut Ctx, obj: Value) -> Result<Value, Fault> {
    if obj["Note"].is_null() && obj["FileName"].is_null() {
        return Err(refusals::missing("Note"));
    }
    if let Some(note) = obj["Note"].as_str()
        && note.chars().count() > 2000
    {
        return Err(refusals::string_length("Note", 2000, note.chars().count()));
    }
    for r in obj["AttachableRef"].as_array().into_iter().flatten() {
        let kind = r["EntityRef"]["type"].as_str().unwrap_or_default();
        let entity = canonical_entity(kind)
            .ok_or_else(|| refusals::invalid_value("AttachableRef.EntityRef.type", kind))?;
        let id =
            id_of(&r["EntityRef"]).ok_or_else(|| refusals::missing("AttachableRef.EntityRef"))?;
        if ctx.books.get(entity, id).is_none() {
            return Err(refusals::invalid_reference(
                "AttachableRef.EntityRef",
                &id.to_string(),
            ));
        }
    }
    Ok(obj)
}
