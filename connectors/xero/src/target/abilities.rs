//! Xero's optional abilities: history notes, tracking categories, budgets, currency
//! rates and invoice status changes (Xero has credit notes too; not written yet).

use super::*;

#[async_trait]
impl HistoryNotes for XeroTarget {
    /// One History PUT per subject (up to [`NOTES_PER_CALL`] notes each):
    /// the body is an array, so the notes of one contact or invoice share a
    /// call instead of taking one each.
    ///
    /// A note longer than Xero's 250 characters is shortened here, where the
    /// limit is known, keeping its marker whole at the end
    /// ([`convert::note_details`]); its `target_id` is the id of the text
    /// sent, which is what `find_notes` reads back.
    async fn add_notes(
        &self,
        items: &[WriteItem<HistoryNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut results: HashMap<&str, Result<Written, ConnectorError>> =
            HashMap::with_capacity(items.len());
        // subjects in order of first appearance, each with its notes in input order
        let mut groups: Vec<(String, Vec<Outgoing>)> = Vec::new();
        let mut group_of: HashMap<String, usize> = HashMap::new();
        for it in items {
            let path = format!("{}/History", subject_path(&it.record.subject)?);
            let details = match convert::note_details(&it.record.text, &it.record.marker) {
                Ok(d) => d.into_owned(),
                Err(e) => {
                    results.insert(it.key.as_str(), Err(e));
                    continue;
                }
            };
            let g = *group_of.entry(path.clone()).or_insert_with(|| {
                groups.push((path, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(Outgoing {
                key: it.key.as_str(),
                details,
            });
        }
        // One PUT per subject (and per NOTES_PER_CALL of its notes), several in flight:
        // the client's pacer keeps them within Xero's concurrency and rate limits, and
        // a job of notes on many subjects is not a chain of round trips.
        let calls: Vec<(&str, Vec<&Outgoing>)> = groups
            .iter()
            .flat_map(|(path, notes)| {
                let notes: Vec<&Outgoing> = notes.iter().collect();
                notes
                    .chunks(NOTES_PER_CALL)
                    .map(|c| (path.as_str(), c.to_vec()))
                    .collect::<Vec<_>>()
            })
            .collect();
        type Call<'c> = futures::future::BoxFuture<
            'c,
            (&'c [&'c Outgoing<'c>], Vec<Result<Written, ConnectorError>>),
        >;
        let futs: Vec<Call<'_>> = calls
            .iter()
            .map(|(path, chunk)| -> Call<'_> {
                Box::pin(async move { (chunk.as_slice(), self.put_notes(path, chunk).await) })
            })
            .collect();
        let mut sent = stream::iter(futs).buffer_unordered(NOTE_CALLS_IN_FLIGHT);
        while let Some((chunk, outcomes)) = sent.next().await {
            for (n, r) in chunk.iter().zip(outcomes) {
                results.insert(n.key, r);
            }
        }
        drop(sent);
        // input order; a key given twice gets the outcome of its last send
        Ok(items
            .iter()
            .map(|it| ItemOutcome {
                key: it.key.clone(),
                result: results
                    .get(it.key.as_str())
                    .cloned()
                    .expect("every note was sent"),
            })
            .collect())
    }

    async fn find_notes(&self, subject: &NoteSubject) -> ConnectorResult<Vec<TargetNote>> {
        let path = format!("{}/History", subject_path(subject)?);
        let recs: Vec<wire::HistoryRecord> = self.client.get(&path, "HistoryRecords", &[]).await?;
        Ok(recs
            .into_iter()
            .filter(|r| r.changes.as_deref() == Some("Note"))
            .filter_map(|r| r.details)
            .map(|text| TargetNote {
                id: note_id(&text),
                subject: subject.clone(),
                text,
            })
            .collect())
    }
}

#[async_trait]
impl StatusChanges for XeroTarget {
    async fn set_invoice_status(
        &self,
        item: &WriteItem<StatusChange>,
    ) -> ConnectorResult<ItemOutcome> {
        let id = Uuid::parse_str(&item.record.invoice_id).map_err(|_| {
            ConnectorError::validation(format!(
                "invoice id {:?} is not a Xero id",
                item.record.invoice_id
            ))
        })?;
        let body = wire::Invoice {
            invoice_id: Some(id),
            status: Some(item.record.status.as_str().into()),
            ..Default::default()
        };
        let path = format!("/Invoices/{id}");
        let answer = self
            .client
            .write(
                Method::POST,
                &path,
                "Invoices",
                &[body],
                &batch_key(&[&item.key]),
            )
            .await?;
        let a = &answer[0];
        let result =
            match wire_errors(&a.validation_errors, a.has_errors) {
                Some(errs) => Err(ConnectorError::validation(errs.join("; "))
                    .with_vendor_message(errs.join("; "))),
                None => Ok(Written {
                    target_id: id.to_string(),
                    version: a.updated_date_utc.clone(),
                    created: false,
                    invoice: None,
                }),
            };
        Ok(ItemOutcome {
            key: item.key.clone(),
            result,
        })
    }
}

#[async_trait]
impl TrackingCategories for XeroTarget {
    async fn tracking_categories(&self) -> ConnectorResult<Vec<TrackingCategory>> {
        let cats: Vec<wire::TrackingCategory> = self
            .client
            .get("/TrackingCategories", "TrackingCategories", &[])
            .await?;
        Ok(cats
            .into_iter()
            .map(|c| TrackingCategory {
                id: c
                    .tracking_category_id
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                name: c.name.unwrap_or_default(),
                options: c
                    .options
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o.name)
                    .collect(),
            })
            .collect())
    }
}

#[async_trait]
impl Budgets for XeroTarget {
    async fn budgets(&self, from: NaiveDate, to: NaiveDate) -> ConnectorResult<Vec<Budget>> {
        let list: Vec<wire::Budget> = self.client.get("/Budgets", "Budgets", &[]).await?;
        let (f, t) = (
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
        );
        let mut out = Vec::new();
        for b in list {
            let Some(id) = b.budget_id else { continue };
            let full: Vec<wire::Budget> = self
                .client
                .get(
                    &format!("/Budgets/{id}"),
                    "Budgets",
                    &[("DateFrom", &f), ("DateTo", &t)],
                )
                .await?;
            for b in full {
                let mut lines = Vec::new();
                for l in b.budget_lines.into_iter().flatten() {
                    for bal in l.budget_balances.into_iter().flatten() {
                        lines.push(BudgetLine {
                            account_code: l.account_code.clone().unwrap_or_default(),
                            period: bal.period.unwrap_or_default(),
                            amount: bal.amount.unwrap_or_default(),
                        });
                    }
                }
                out.push(Budget {
                    id: id.to_string(),
                    name: b.description.unwrap_or_default(),
                    tracking: b
                        .tracking
                        .into_iter()
                        .flatten()
                        .map(|t| TrackingRef {
                            category: t.name.unwrap_or_default(),
                            option: t.option.unwrap_or_default(),
                        })
                        .collect(),
                    lines,
                });
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl ExchangeRates for XeroTarget {
    /// Xero's API has no rate table: the rate of each currency is the
    /// `CurrencyRate` of its latest posted invoice (Xero fills it from the
    /// day's XE.com rate); with `simulator_rates`, currencies without one come
    /// from the simulator's fixed table.
    async fn currency_rates(&self) -> ConnectorResult<CurrencyRates> {
        let org = self.organisation().await?;
        let currencies: Vec<wire::Currency> =
            self.client.get("/Currencies", "Currencies", &[]).await?;
        let mut rates = BTreeMap::new();
        rates.insert(org.base_currency.clone(), Decimal::ONE);
        for c in currencies.into_iter().filter_map(|c| c.code) {
            if c == org.base_currency.code() {
                continue;
            }
            let w =
                format!("CurrencyCode==\"{c}\" AND (Status==\"AUTHORISED\" OR Status==\"PAID\")");
            let latest: Vec<wire::Invoice> = self
                .client
                .page(
                    "/Invoices",
                    "Invoices",
                    1,
                    Some(&w),
                    None,
                    &[("order", "Date DESC"), ("summaryOnly", "true")],
                )
                .await?;
            if let (Some(rate), Ok(cur)) = (
                latest.first().and_then(|i| i.currency_rate),
                Currency::new(&c),
            ) {
                rates.insert(cur, rate);
            }
        }
        if self.client.config().simulator_rates {
            let call = ledgerbridge_sdk::http::Call::get("/_sim/currency-rates");
            let table: serde_json::Value = self.client.http().send_json(call).await?;
            for (code, rate) in table
                .get("Rates")
                .and_then(|r| r.as_object())
                .into_iter()
                .flatten()
            {
                if let (Ok(cur), Some(r)) = (
                    Currency::new(code),
                    rate.as_str().and_then(|r| Decimal::from_str(r).ok()),
                ) {
                    rates.entry(cur).or_insert(r);
                }
            }
        }
        Ok(CurrencyRates { rates })
    }
}
