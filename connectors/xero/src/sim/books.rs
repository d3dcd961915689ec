//! The organisation's records (contacts, invoices, payments, history) with an
//! undo journal: a batch sent without `summarizeErrors=false` is all or
//! nothing, so its writes are journaled and rolled back when any item fails.

use std::collections::HashMap;

use uuid::Uuid;

use crate::wire::{Contact, HistoryRecord, Invoice, Payment};

#[derive(Default)]
pub struct Books {
    pub contacts: Vec<Contact>,
    contact_idx: HashMap<Uuid, usize>,
    pub invoices: Vec<Invoice>,
    invoice_idx: HashMap<Uuid, usize>,
    pub payments: Vec<Payment>,
    payment_idx: HashMap<Uuid, usize>,
    /// History & Notes by the id of the contact or invoice they belong to.
    pub history: HashMap<Uuid, Vec<HistoryRecord>>,
    /// The last auto-generated ACCREC invoice number (`INV-0001`, …).
    pub last_invoice_no: u64,
    journal: Option<Vec<Undo>>,
}

enum Undo {
    ContactInserted,
    ContactReplaced(usize, Box<Contact>),
    InvoiceInserted,
    InvoiceReplaced(usize, Box<Invoice>),
    PaymentInserted,
    PaymentReplaced(usize, Box<Payment>),
    HistoryLen(Uuid, usize),
    InvoiceNo(u64),
}

impl Books {
    pub fn contact(&self, id: Uuid) -> Option<&Contact> {
        self.contact_idx.get(&id).map(|i| &self.contacts[*i])
    }
    pub fn invoice(&self, id: Uuid) -> Option<&Invoice> {
        self.invoice_idx.get(&id).map(|i| &self.invoices[*i])
    }
    pub fn payment(&self, id: Uuid) -> Option<&Payment> {
        self.payment_idx.get(&id).map(|i| &self.payments[*i])
    }

    /// Inserts or replaces a contact by its `ContactID`.
    pub fn put_contact(&mut self, c: Contact) {
        let id = c.contact_id.expect("stored contacts have ids");
        match self.contact_idx.get(&id) {
            Some(&i) => {
                let old = std::mem::replace(&mut self.contacts[i], c);
                self.log(Undo::ContactReplaced(i, Box::new(old)));
            }
            None => {
                self.contact_idx.insert(id, self.contacts.len());
                self.contacts.push(c);
                self.log(Undo::ContactInserted);
            }
        }
    }

    pub fn put_invoice(&mut self, inv: Invoice) {
        let id = inv.invoice_id.expect("stored invoices have ids");
        match self.invoice_idx.get(&id) {
            Some(&i) => {
                let old = std::mem::replace(&mut self.invoices[i], inv);
                self.log(Undo::InvoiceReplaced(i, Box::new(old)));
            }
            None => {
                self.invoice_idx.insert(id, self.invoices.len());
                self.invoices.push(inv);
                self.log(Undo::InvoiceInserted);
            }
        }
    }

    pub fn put_payment(&mut self, p: Payment) {
        let id = p.payment_id.expect("stored payments have ids");
        match self.payment_idx.get(&id) {
            Some(&i) => {
                let old = std::mem::replace(&mut self.payments[i], p);
                self.log(Undo::PaymentReplaced(i, Box::new(old)));
            }
            None => {
                self.payment_idx.insert(id, self.payments.len());
                self.payments.push(p);
                self.log(Undo::PaymentInserted);
            }
        }
    }

    pub fn add_history(&mut self, subject: Uuid, rec: HistoryRecord) {
        let list = self.history.entry(subject).or_default();
        let len = list.len();
        list.push(rec);
        self.log(Undo::HistoryLen(subject, len));
    }

    /// The next ACCREC invoice number.
    pub fn next_invoice_number(&mut self) -> String {
        self.log(Undo::InvoiceNo(self.last_invoice_no));
        loop {
            self.last_invoice_no += 1;
            let n = format!("INV-{:04}", self.last_invoice_no);
            // skip numbers a client chose by hand
            if !self
                .invoices
                .iter()
                .any(|i| i.invoice_number.as_deref() == Some(&n))
            {
                return n;
            }
        }
    }

    fn log(&mut self, u: Undo) {
        if let Some(j) = &mut self.journal {
            j.push(u);
        }
    }

    /// Starts journaling writes so they can be rolled back.
    pub fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Keeps the journaled writes.
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Undoes every write since [`Books::begin`], newest first.
    pub fn rollback(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for u in journal.into_iter().rev() {
            match u {
                Undo::ContactInserted => {
                    let c = self.contacts.pop().expect("journaled insert");
                    self.contact_idx.remove(&c.contact_id.expect("id"));
                }
                Undo::ContactReplaced(i, old) => self.contacts[i] = *old,
                Undo::InvoiceInserted => {
                    let inv = self.invoices.pop().expect("journaled insert");
                    self.invoice_idx.remove(&inv.invoice_id.expect("id"));
                }
                Undo::InvoiceReplaced(i, old) => self.invoices[i] = *old,
                Undo::PaymentInserted => {
                    let p = self.payments.pop().expect("journaled insert");
                    self.payment_idx.remove(&p.payment_id.expect("id"));
                }
                Undo::PaymentReplaced(i, old) => self.payments[i] = *old,
                Undo::HistoryLen(id, len) => {
                    if let Some(l) = self.history.get_mut(&id) {
                        l.truncate(len);
                    }
                }
                Undo::InvoiceNo(n) => self.last_invoice_no = n,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_undoes_inserts_replacements_and_numbers() {
        let mut b = Books::default();
        let id = Uuid::new_v4();
        b.put_contact(Contact {
            contact_id: Some(id),
            name: Some("A".into()),
            ..Default::default()
        });
        b.begin();
        b.put_contact(Contact {
            contact_id: Some(id),
            name: Some("B".into()),
            ..Default::default()
        });
        b.put_contact(Contact {
            contact_id: Some(Uuid::new_v4()),
            name: Some("C".into()),
            ..Default::default()
        });
        assert_eq!(b.next_invoice_number(), "INV-0001");
        b.add_history(id, HistoryRecord::default());
        b.rollback();
        assert_eq!(b.contacts.len(), 1);
        assert_eq!(b.contact(id).unwrap().name.as_deref(), Some("A"));
        assert_eq!(b.last_invoice_no, 0);
        assert!(b.history[&id].is_empty());
    }
}
