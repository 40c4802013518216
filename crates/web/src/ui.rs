//! The pages' building blocks: the GOV.UK page template and the GOV.UK Frontend and MoJ
//! Frontend components the pages use, as maud functions. maud checks the markup when the
//! crate compiles and escapes every spliced value itself: nothing here writes raw markup.

use maud::{DOCTYPE, Markup, Render, html};

/// Who the page is for: their name, what their role may open, and the session's CSRF
/// token for the sign-out button. Set for the page being made by [`with_viewer`]; pages
/// made for nobody signed in (sign-in, the public figures, errors before sign-in) show
/// only the service's name and a way to sign in.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    pub csrf: String,
    /// The pages the role may open, in the navigation's order.
    pub links: Vec<(&'static str, &'static str)>,
}

thread_local! {
    static VIEWER: std::cell::RefCell<Option<Viewer>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (which makes a signed-in user's page) with `viewer` as the page's viewer.
pub fn with_viewer<T>(viewer: Viewer, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Viewer>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let before = self.0.take();
            VIEWER.with(|v| *v.borrow_mut() = before);
        }
    }
    let _reset = Reset(VIEWER.with(|v| v.borrow_mut().replace(viewer)));
    f()
}

/// The whole page: GOV.UK's template (header, service navigation, footer) around `body`.
/// No inline script or style, so it works under `Content-Security-Policy: default-src 'self'`.
pub fn page(title: &str, body: Markup) -> String {
    let viewer = VIEWER.with(|v| v.borrow().clone());
    let links: Vec<(&str, &str)> = match &viewer {
        Some(v) => v.links.clone(),
        None => vec![("/", "Home"), ("/sign-in", "Sign in")],
    };
    html! {
        (DOCTYPE)
        html lang="en" class="govuk-template" {
            head {
                meta charset="utf-8";
                title { (title) " – sendscope" }
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                meta name="theme-color" content="#0b0c0c";
                link rel="icon" sizes="48x48" href="/assets/images/favicon.ico";
                link rel="stylesheet" href="/assets/govuk-frontend.min.css";
                link rel="stylesheet" href="/assets/moj-frontend.min.css";
            }
            body class="govuk-template__body" {
                script src="/assets/sendscope/js-enabled.js" {}
                a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link" { "Skip to main content" }
                header class="govuk-header" data-module="govuk-header" {
                    div class="govuk-header__container govuk-width-container" {
                        div class="govuk-header__content" {
                            a href="/" class="govuk-header__link govuk-header__service-name" { "sendscope" }
                        }
                    }
                }
                section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation" {
                    div class="govuk-width-container" { div class="govuk-service-navigation__container" {
                        nav aria-label="Menu" class="govuk-service-navigation__wrapper" {
                            ul class="govuk-service-navigation__list" id="navigation" {
                                @for (href, label) in &links {
                                    li class="govuk-service-navigation__item" {
                                        a class="govuk-service-navigation__link" href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    } }
                }
                @if let Some(v) = &viewer {
                    div class="govuk-width-container" {
                        div class="govuk-!-margin-top-2 sendscope-account" {
                            p class="govuk-body-s govuk-!-margin-bottom-1" {
                                "Signed in as " strong { (v.name) } " · "
                                a class="govuk-link" href="/account/password" { "Change your password" }
                            }
                            form method="post" action="/sign-out" {
                                (csrf(&v.csrf))
                                button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" { "Sign out" }
                            }
                        }
                    }
                }
                div class="govuk-width-container" {
                    main class="govuk-main-wrapper" id="main-content" { (body) }
                }
                footer class="govuk-footer" {
                    div class="govuk-width-container" { div class="govuk-footer__meta" {
                        div class="govuk-footer__meta-item govuk-footer__meta-item--grow" {
                            p class="govuk-body-s" { "sendscope is open-source software for local areas' SEND services." }
                        }
                    } }
                }
                script type="module" src="/assets/sendscope/init.js" {}
            }
        }
    }
    .into_string()
}

pub fn summary_list<K: Render, V: Render>(rows: impl IntoIterator<Item = (K, V)>) -> Markup {
    html! {
        dl.govuk-summary-list {
            @for (k, v) in rows {
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (k) }
                    dd.govuk-summary-list__value { (v) }
                }
            }
        }
    }
}

/// A column of a GOV.UK table: its heading and whether it holds numbers (right-aligned).
#[derive(Clone, Copy)]
pub struct Column<'a> {
    pub label: &'a str,
    pub numeric: bool,
}

/// A text column.
pub const fn col(label: &str) -> Column<'_> {
    Column {
        label,
        numeric: false,
    }
}

/// A numeric column.
pub const fn num_col(label: &str) -> Column<'_> {
    Column {
        label,
        numeric: true,
    }
}

/// GOV.UK table with a caption, column headings and rows (each row's cells made with
/// [`cell`], [`num`] and [`row_head`]).
pub fn table(
    caption: &str,
    columns: &[Column<'_>],
    rows: impl IntoIterator<Item = Markup>,
) -> Markup {
    captioned(
        "govuk-table__caption govuk-table__caption--m",
        caption,
        columns,
        rows,
    )
}

/// A GOV.UK table whose caption only screen readers read (the page's heading says it).
pub fn table_unseen_caption(
    caption: &str,
    columns: &[Column<'_>],
    rows: impl IntoIterator<Item = Markup>,
) -> Markup {
    captioned("govuk-visually-hidden", caption, columns, rows)
}

fn captioned(
    class: &str,
    caption: &str,
    columns: &[Column<'_>],
    rows: impl IntoIterator<Item = Markup>,
) -> Markup {
    html! {
        table.govuk-table {
            caption class=(class) { (caption) }
            thead.govuk-table__head {
                tr.govuk-table__row {
                    @for c in columns {
                        @if c.numeric {
                            th scope="col" class="govuk-table__header govuk-table__header--numeric" { (c.label) }
                        } @else {
                            th scope="col" class="govuk-table__header" { (c.label) }
                        }
                    }
                }
            }
            tbody.govuk-table__body {
                @for r in rows { tr.govuk-table__row { (r) } }
            }
        }
    }
}

/// A table cell.
pub fn cell(content: impl Render) -> Markup {
    html! { td.govuk-table__cell { (content) } }
}

/// A numeric table cell (right-aligned).
pub fn num(content: impl Render) -> Markup {
    html! { td class="govuk-table__cell govuk-table__cell--numeric" { (content) } }
}

/// A row's heading cell.
pub fn row_head(content: impl Render) -> Markup {
    html! { th scope="row" class="govuk-table__header" { (content) } }
}

/// GOV.UK error summary: each problem links to the field to mend.
pub fn error_summary<'a>(problems: impl IntoIterator<Item = (&'a str, &'a str)>) -> Markup {
    html! {
        div.govuk-error-summary data-module="govuk-error-summary" {
            div role="alert" {
                h2.govuk-error-summary__title { "There is a problem" }
                div.govuk-error-summary__body {
                    ul class="govuk-list govuk-error-summary__list" {
                        @for (field, message) in problems {
                            li { a href={ "#" (field) } { (message) } }
                        }
                    }
                }
            }
        }
    }
}

/// GOV.UK tag; `colour` is one of GOV.UK's tag colours (grey, green, red, yellow...).
pub fn tag(text: &str, colour: Option<&str>) -> Markup {
    html! {
        @match colour {
            Some(c) => strong class={ "govuk-tag govuk-tag--" (c) } { (text) },
            None => strong.govuk-tag { (text) },
        }
    }
}

/// GOV.UK notification banner: `success` for a change just made, else important news.
pub fn notification_banner(heading: &str, content: Markup, success: bool) -> Markup {
    html! {
        @if success {
            div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
                aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner" {
                div.govuk-notification-banner__header {
                    h2.govuk-notification-banner__title id="govuk-notification-banner-title" { "Success" }
                }
                div.govuk-notification-banner__content {
                    p.govuk-notification-banner__heading { (heading) }
                    (content)
                }
            }
        } @else {
            div.govuk-notification-banner role="region" aria-labelledby="govuk-notification-banner-title"
                data-module="govuk-notification-banner" {
                div.govuk-notification-banner__header {
                    h2.govuk-notification-banner__title id="govuk-notification-banner-title" { "Important" }
                }
                div.govuk-notification-banner__content {
                    p.govuk-notification-banner__heading { (heading) }
                    (content)
                }
            }
        }
    }
}

/// GOV.UK pagination with only "Previous" and "Next" links.
pub fn pagination(previous: Option<&str>, next: Option<&str>) -> Markup {
    html! {
        @if previous.is_some() || next.is_some() {
            nav.govuk-pagination aria-label="Pagination" {
                @if let Some(href) = previous {
                    div.govuk-pagination__prev {
                        a class="govuk-link govuk-pagination__link" href=(href) rel="prev" {
                            span.govuk-pagination__link-title { "Previous page" }
                        }
                    }
                }
                @if let Some(href) = next {
                    div.govuk-pagination__next {
                        a class="govuk-link govuk-pagination__link" href=(href) rel="next" {
                            span.govuk-pagination__link-title { "Next page" }
                        }
                    }
                }
            }
        }
    }
}

/// One entry of an MoJ timeline.
pub struct TimelineItem {
    pub title: String,
    /// Who did it ("by Zara Ali"), or where the duty comes from.
    pub byline: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    pub description: Markup,
}

/// MoJ timeline: what happened, newest first as given.
pub fn timeline(items: &[TimelineItem]) -> Markup {
    html! {
        div.moj-timeline {
            @for i in items {
                div.moj-timeline__item {
                    div.moj-timeline__header {
                        h3.moj-timeline__title { (i.title) }
                        @if let Some(b) = &i.byline { p.moj-timeline__byline { (b) } }
                    }
                    @if let Some(d) = i.date {
                        p.moj-timeline__date {
                            time datetime=(d.format("%Y-%m-%d").to_string()) { (d.format("%-d %B %Y").to_string()) }
                        }
                    }
                    div.moj-timeline__description { (i.description) }
                }
            }
        }
    }
}

/// A GOV.UK select: `options` as (value, label), the first option empty (labelled
/// `none`), the `current` value selected.
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    none: &str,
    current: &str,
) -> Markup {
    select_question(&Question::new(name, label), options, Some(none), current)
}

/// A question on a form: the field's name (its id too), its label or legend, an optional
/// hint and the error to put right. The components below lay out the GOV.UK form group
/// around it: hint and error message tied to the input by `aria-describedby`.
pub struct Question<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl<'a> Question<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Self {
        Question {
            name,
            label,
            hint: None,
            error: None,
        }
    }

    /// The form group's classes: with GOV.UK's error style when there is an error.
    pub fn group_class(&self) -> &'static str {
        if self.error.is_some() {
            "govuk-form-group govuk-form-group--error"
        } else {
            "govuk-form-group"
        }
    }

    /// The ids of the hint and the error message, if there are any.
    fn described_by(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn hint_and_error(&self) -> Markup {
        html! {
            @if let Some(h) = self.hint { div.govuk-hint id={ (self.name) "-hint" } { (h) } }
            @if let Some(e) = self.error {
                p.govuk-error-message id={ (self.name) "-error" } {
                    span.govuk-visually-hidden { "Error:" } " " (e)
                }
            }
        }
    }

    /// The question as a fieldset with a legend around `inner` (radios, checkboxes, a date).
    pub fn fieldset(&self, inner: Markup) -> Markup {
        html! {
            div class=(self.group_class()) {
                fieldset.govuk-fieldset aria-describedby=[self.described_by()] {
                    legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (self.label) }
                    (self.hint_and_error())
                    (inner)
                }
            }
        }
    }

    /// The question as a label above `input`.
    fn labelled(&self, suffix: &str, input: Markup) -> Markup {
        html! {
            div class=(self.group_class()) {
                label.govuk-label for=(self.name) { (self.label) (suffix) }
                (self.hint_and_error())
                (input)
            }
        }
    }
}

/// A GOV.UK select for a question; `none` is the empty first option, if there is one.
pub fn select_question(
    q: &Question<'_>,
    options: &[(String, String)],
    none: Option<&str>,
    current: &str,
) -> Markup {
    q.labelled(
        "",
        html! {
            select.govuk-select id=(q.name) name=(q.name) aria-describedby=[q.described_by()] {
                @if let Some(n) = none { option value="" { (n) } }
                @for (v, l) in options {
                    option value=(v) selected[current == v] { (l) }
                }
            }
        },
    )
}

/// How a text input is sized and what it takes.
#[derive(Clone, Copy)]
pub enum Width {
    /// Half the page: names, references, lists.
    Half,
    /// A number of a few digits.
    Number,
    /// An amount of money in pounds, with a £ before it.
    Money,
}

/// A GOV.UK text input for a question; `suffix` follows the label ("(optional)").
pub fn text_input(q: &Question<'_>, suffix: &str, width: Width, value: &str) -> Markup {
    let d = q.described_by();
    let error = if q.error.is_some() {
        " govuk-input--error"
    } else {
        ""
    };
    q.labelled(
        suffix,
        html! {
            @match width {
                Width::Half => input class={ "govuk-input govuk-!-width-one-half" (error) } id=(q.name) name=(q.name)
                    type="text" value=(value) aria-describedby=[d];,
                Width::Number => input class={ "govuk-input govuk-input--width-5" (error) } id=(q.name) name=(q.name)
                    type="text" inputmode="numeric" spellcheck="false" value=(value) aria-describedby=[d];,
                Width::Money => div.govuk-input__wrapper {
                    div.govuk-input__prefix aria-hidden="true" { "£" }
                    input class={ "govuk-input govuk-input--width-10" (error) } id=(q.name) name=(q.name)
                        type="text" spellcheck="false" value=(value) aria-describedby=[d];
                },
            }
        },
    )
}

/// A form's problems, field by field (the field's name, what to do): its questions take
/// their errors from here, and the error summary lists them.
pub struct Problems<'a>(pub &'a [(&'static str, String)]);

impl<'a> Problems<'a> {
    /// The question `name`, with its error if it has one.
    pub fn question(&self, name: &'a str, label: &'a str) -> Question<'a> {
        Question {
            error: self
                .0
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, m)| m.as_str()),
            ..Question::new(name, label)
        }
    }

    /// The question with a hint.
    pub fn hinted(&self, name: &'a str, label: &'a str, hint: &'a str) -> Question<'a> {
        Question {
            hint: Some(hint),
            ..self.question(name, label)
        }
    }

    /// The error summary, or nothing when there is no problem.
    pub fn summary(&self) -> Markup {
        html! {
            @if !self.0.is_empty() {
                (error_summary(self.0.iter().map(|(k, m)| (*k, m.as_str()))))
            }
        }
    }
}

/// A message as a sentence on a page: its first letter a capital.
pub fn sentence(m: &str) -> String {
    let mut c = m.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A GOV.UK password input: never filled in again when a form is shown with errors.
pub fn password_input(q: &Question<'_>) -> Markup {
    q.labelled(
        "",
        html! {
            input class={ "govuk-input govuk-password-input__input govuk-!-width-one-half" @if q.error.is_some() { " govuk-input--error" } }
                id=(q.name) name=(q.name) type="password" autocomplete="new-password" spellcheck="false"
                autocapitalize="none" aria-describedby=[q.described_by()];
        },
    )
}

/// A GOV.UK textarea for a question; `suffix` follows the label ("(optional)").
pub fn textarea(q: &Question<'_>, suffix: &str, rows: u8, value: &str) -> Markup {
    q.labelled(
        suffix,
        html! {
            textarea.govuk-textarea id=(q.name) name=(q.name) rows=(rows) aria-describedby=[q.described_by()] { (value) }
        },
    )
}

/// The id of a question's `n`th choice (from 0): the first takes the question's name, so
/// the error summary's link lands on it.
fn choice_id(name: &str, n: usize) -> String {
    if n == 0 {
        name.to_string()
    } else {
        format!("{name}-{n}")
    }
}

/// GOV.UK radios for a question: `options` as (value, label); `checked` is the chosen
/// value; with `none`, a last choice of nothing after "or", labelled so.
pub fn radios(
    q: &Question<'_>,
    options: &[(String, String)],
    checked: &str,
    none: Option<&str>,
) -> Markup {
    q.fieldset(radio_items(q.name, "govuk-radios", options, checked, none))
}

/// The radios alone (for a fieldset laid out otherwise), with GOV.UK's `class`es.
pub fn radio_items(
    name: &str,
    class: &str,
    options: &[(String, String)],
    checked: &str,
    none: Option<&str>,
) -> Markup {
    html! {
        div class=(class) data-module="govuk-radios" {
            @for (n, (value, text)) in options.iter().enumerate() {
                @let id = choice_id(name, n);
                div.govuk-radios__item {
                    input.govuk-radios__input id=(id) name=(name) type="radio" value=(value) checked[checked == value];
                    label class="govuk-label govuk-radios__label" for=(id) { (text) }
                }
            }
            @if let Some(label) = none {
                div.govuk-radios__divider { "or" }
                div.govuk-radios__item {
                    input.govuk-radios__input id={ (name) "-none" } name=(name) type="radio" value="" checked[checked.is_empty()];
                    label class="govuk-label govuk-radios__label" for={ (name) "-none" } { (label) }
                }
            }
        }
    }
}

/// GOV.UK checkboxes for a question: `options` as (value, label); `checked` the chosen.
pub fn checkboxes(q: &Question<'_>, options: &[(String, String)], checked: &[&str]) -> Markup {
    q.fieldset(html! {
        div.govuk-checkboxes data-module="govuk-checkboxes" {
            @for (n, (value, text)) in options.iter().enumerate() {
                @let id = choice_id(q.name, n);
                div.govuk-checkboxes__item {
                    input.govuk-checkboxes__input id=(id) name=(q.name) type="checkbox" value=(value)
                        checked[checked.contains(&value.as_str())];
                    label class="govuk-label govuk-checkboxes__label" for=(id) { (text) }
                }
            }
        }
    })
}

/// A GOV.UK date input for a question: fields `{name}-day`, `{name}-month`, `{name}-year`
/// (the day's id is the question's name, so the error summary's link lands on it).
pub fn date_input(q: &Question<'_>, value: (&str, &str, &str)) -> Markup {
    let error = if q.error.is_some() {
        " govuk-input--error"
    } else {
        ""
    };
    let part = |suffix: &str, label: &str, v: &str, width: &str| {
        let name = format!("{}-{suffix}", q.name);
        let id = if suffix == "day" {
            q.name.to_string()
        } else {
            name.clone()
        };
        html! {
            div.govuk-date-input__item {
                div.govuk-form-group {
                    label class="govuk-label govuk-date-input__label" for=(id) { (label) }
                    input class={ "govuk-input govuk-date-input__input govuk-input--width-" (width) (error) }
                        id=(id) name=(name) type="text" inputmode="numeric" value=(v);
                }
            }
        }
    };
    q.fieldset(html! {
        div.govuk-date-input {
            (part("day", "Day", value.0, "2"))
            (part("month", "Month", value.1, "2"))
            (part("year", "Year", value.2, "4"))
        }
    })
}

/// GOV.UK warning text.
pub fn warning(text: Markup) -> Markup {
    html! {
        div.govuk-warning-text {
            span.govuk-warning-text__icon aria-hidden="true" { "!" }
            strong.govuk-warning-text__text { span.govuk-visually-hidden { "Warning" } (text) }
        }
    }
}

/// A link in GOV.UK's style.
pub fn link(href: &str, text: impl Render) -> Markup {
    html! { a.govuk-link href=(href) { (text) } }
}

/// A GOV.UK button that submits its form.
pub fn submit(text: &str) -> Markup {
    html! { button type="submit" class="govuk-button" data-module="govuk-button" { (text) } }
}

/// The hidden field that carries the session's CSRF token in every form that changes data.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}
