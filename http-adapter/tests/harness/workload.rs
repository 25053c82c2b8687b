//! The write workload and its ledger: concurrent clients drive every kind of
//! write; each answered write is recorded as acknowledged, each write whose
//! answer never came is recorded as "maybe". [`World::verify`] then reads
//! everything back and fails on any acknowledged write that is missing and
//! on any broken invariant of ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::{Outcome, PASSWORD, Rng, call};

/// Owner handle of the three agents.
pub const OWNER: &str = "owner";
/// Installed and uninstalled over and over.
pub const CHURN: &str = "churn-agent";
/// Installed once, then rated and used; gets new versions.
pub const RATED: &str = "rated-agent";
/// Has its status changed.
pub const STATUS: &str = "status-agent";

/// Known yes, known no, or unknown (a write whose answer never came).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    /// Acknowledged (or read back) as true.
    Yes,
    /// Acknowledged (or read back) as false.
    No,
    /// Unknown until read back.
    Maybe,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Churner,
    Rater,
    Deletable,
}

#[derive(Debug)]
struct User {
    email: String,
    handle: String,
    role: Role,
    alive: Tri,
    deletion_checked: bool,
    access: Option<String>,
    refresh: Option<String>,
    spent: Vec<String>,
    churn: Tri,
    rated_installed: Tri,
    /// `None`: unknown; `Some(None)`: no rating.
    rating: Option<Option<u8>>,
}

/// Servers a client sends to, round-robin; a refused connection goes to the next.
pub struct Targets {
    addrs: Mutex<Vec<String>>,
    next: AtomicUsize,
}

impl Targets {
    /// Targets over `addrs`.
    pub fn new(addrs: Vec<String>) -> Arc<Targets> {
        Arc::new(Targets { addrs: Mutex::new(addrs), next: AtomicUsize::new(0) })
    }

    /// Replaces the servers (after a restart).
    pub fn set(&self, addrs: Vec<String>) {
        *self.addrs.lock().unwrap() = addrs;
    }

    /// Sends to the next server; `NotSent` only when every server refused.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Outcome {
        let addrs = self.addrs.lock().unwrap().clone();
        for _ in 0..addrs.len() {
            let addr = &addrs[self.next.fetch_add(1, Ordering::Relaxed) % addrs.len()];
            match call(addr, method, path, token, body) {
                Outcome::NotSent => continue,
                other => return other,
            }
        }
        Outcome::NotSent
    }
}

/// Totals of a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Requests sent.
    pub requests: u64,
    /// Writes acknowledged.
    pub acked: u64,
    /// Writes whose answer never came.
    pub unknown: u64,
    /// Acknowledged facts read back and found.
    pub checked: u64,
}

/// The ledger shared by the clients.
pub struct World {
    owner_email: String,
    owner_access: Mutex<Option<String>>,
    users: Vec<Mutex<Vec<User>>>,
    versions: Mutex<(u64, Vec<String>)>,
    status_possible: Mutex<BTreeSet<String>>,
    usage: Mutex<(u64, u64)>,
    /// Every 5xx and unexpected answer during the load.
    pub errors: Mutex<Vec<String>>,
    /// Totals.
    pub totals: Mutex<Totals>,
    label: String,
}

fn ok(outcome: &Outcome) -> bool {
    outcome.status().is_some_and(|s| (200..300).contains(&s))
}

fn body(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(_, v, _) => v.clone(),
        _ => Value::Null,
    }
}

impl World {
    /// Registers the owner and creates and publishes the three agents; `label`
    /// keeps emails unique across stores sharing a run.
    pub fn setup(targets: &Targets, workers: usize, label: &str) -> Arc<World> {
        let owner_email = format!("{OWNER}@example.com");
        let out = targets.send(
            "POST",
            "/v1/auth/register",
            None,
            Some(&json!({ "email": owner_email, "password": PASSWORD, "handle": OWNER })),
        );
        assert_eq!(out.status(), Some(201), "{out:?}");
        let access = body(&out)["tokens"]["access_token"].as_str().unwrap().to_string();
        for slug in [CHURN, RATED, STATUS] {
            let agent = json!({ "slug": slug, "name": slug, "tagline": "A harness agent", "system_prompt": "Repeat the user.",
                "input_modes": ["text/plain"], "output_modes": ["text/plain"] });
            let out = targets.send("POST", "/v1/agents", Some(&access), Some(&agent));
            assert_eq!(out.status(), Some(201), "{out:?}");
            let out = targets.send(
                "POST",
                &format!("/v1/agents/{OWNER}/{slug}/versions"),
                Some(&access),
                Some(&json!({ "version": "1.0.0" })),
            );
            assert_eq!(out.status(), Some(201), "{out:?}");
        }
        Arc::new(World {
            owner_email,
            owner_access: Mutex::new(Some(access)),
            users: (0..workers).map(|_| Mutex::new(Vec::new())).collect(),
            versions: Mutex::new((1, vec!["1.0.0".into()])),
            status_possible: Mutex::new(["listed".to_string()].into()),
            usage: Mutex::new((0, 0)),
            errors: Mutex::new(Vec::new()),
            totals: Mutex::new(Totals::default()),
            label: label.to_string(),
        })
    }

    fn error(&self, what: String) {
        self.errors.lock().unwrap().push(what);
    }

    /// Tallies one write's outcome; records 5xx and unexpected answers.
    fn tally(&self, what: &str, outcome: &Outcome) {
        let mut totals = self.totals.lock().unwrap();
        totals.requests += 1;
        match outcome {
            Outcome::Answered(s, ..) if (200..300).contains(s) => totals.acked += 1,
            Outcome::Answered(s, v, _) => {
                drop(totals);
                self.error(format!("{what}: {s} {v}"));
            }
            Outcome::Unknown(_) => totals.unknown += 1,
            Outcome::NotSent => totals.requests -= 1,
        }
    }

    /// Client `worker` sends writes until `stop` is set or no server answers.
    pub fn drive(&self, worker: usize, targets: &Targets, stop: &AtomicBool, seed: u64) {
        let mut rng = Rng::new(seed);
        let mut users = std::mem::take(&mut *self.users[worker].lock().unwrap());
        let mut serial = users.len();
        while !stop.load(Ordering::Relaxed) {
            let sent = self.step(worker, targets, &mut rng, &mut users, &mut serial);
            if !sent {
                break;
            }
        }
        *self.users[worker].lock().unwrap() = users;
    }

    /// One write; `false` when no server took it.
    fn step(&self, worker: usize, t: &Targets, rng: &mut Rng, users: &mut Vec<User>, serial: &mut usize) -> bool {
        let roll = rng.below(100);
        if worker == 0 && roll < 8 {
            return if roll < 4 { self.publish(t) } else { self.set_status(t, rng) };
        }
        let live: Vec<usize> =
            (0..users.len()).filter(|&i| users[i].alive == Tri::Yes && users[i].access.is_some()).collect();
        if roll < 15 || live.len() < 3 {
            return self.register(t, users, worker, serial);
        }
        let u = &mut users[live[rng.below(live.len() as u64) as usize]];
        match roll {
            15..=24 => self.login(t, u),
            25..=44 => self.refresh(t, u),
            45..=64 if u.role != Role::Rater => self.toggle_churn(t, u),
            45..=92 if u.role != Role::Churner => self.rate_or_use(t, u, rng),
            93..=99 if u.role == Role::Deletable => self.delete(t, u),
            _ => self.list(t),
        }
    }

    fn list(&self, t: &Targets) -> bool {
        let out = t.send("GET", "/v1/agents?sort=popular", None, None);
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        let mut totals = self.totals.lock().unwrap();
        totals.requests += 1;
        match out {
            Outcome::Answered(200, ..) => {}
            Outcome::Unknown(_) => totals.unknown += 1,
            other => {
                drop(totals);
                self.error(format!("list: {other:?}"));
            }
        }
        true
    }

    fn register(&self, t: &Targets, users: &mut Vec<User>, worker: usize, serial: &mut usize) -> bool {
        *serial += 1;
        let handle = format!("{}-w{worker}-{}", self.label, *serial);
        let role = match *serial % 3 {
            0 => Role::Churner,
            1 => Role::Rater,
            _ => Role::Deletable,
        };
        let email = format!("{handle}@example.com");
        let out = t.send(
            "POST",
            "/v1/auth/register",
            None,
            Some(&json!({ "email": email, "password": PASSWORD, "handle": handle })),
        );
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("register", &out);
        let tokens = &body(&out)["tokens"];
        let token = |k: &str| tokens[k].as_str().map(str::to_string);
        users.push(User {
            email,
            handle,
            role,
            alive: if ok(&out) { Tri::Yes } else { Tri::Maybe },
            deletion_checked: false,
            access: token("access_token"),
            refresh: token("refresh_token"),
            spent: Vec::new(),
            churn: Tri::No,
            rated_installed: Tri::No,
            rating: Some(None),
        });
        true
    }

    fn login(&self, t: &Targets, u: &mut User) -> bool {
        let out = t.send("POST", "/v1/auth/login", None, Some(&json!({ "email": u.email, "password": PASSWORD })));
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("login", &out);
        if ok(&out) {
            let v = body(&out);
            u.access = v["access_token"].as_str().map(str::to_string);
            u.refresh = v["refresh_token"].as_str().map(str::to_string);
        }
        true
    }

    fn refresh(&self, t: &Targets, u: &mut User) -> bool {
        let Some(old) = u.refresh.clone() else { return self.login(t, u) };
        let out = t.send("POST", "/v1/auth/refresh", None, Some(&json!({ "refresh_token": old })));
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("refresh", &out);
        if ok(&out) {
            let v = body(&out);
            u.access = v["access_token"].as_str().map(str::to_string);
            u.refresh = v["refresh_token"].as_str().map(str::to_string);
            u.spent.push(old);
        } else {
            // Maybe spent, maybe not: no longer tracked.
            u.refresh = None;
        }
        true
    }

    fn toggle_churn(&self, t: &Targets, u: &mut User) -> bool {
        if u.churn == Tri::Maybe {
            return self.refresh(t, u);
        }
        let method = if u.churn == Tri::Yes { "DELETE" } else { "PUT" };
        let out = t.send(method, &format!("/v1/me/installs/{OWNER}/{CHURN}"), u.access.as_deref(), None);
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("install/uninstall", &out);
        u.churn = match (ok(&out), method) {
            (true, "PUT") => Tri::Yes,
            (true, _) => Tri::No,
            _ => Tri::Maybe,
        };
        true
    }

    fn rate_or_use(&self, t: &Targets, u: &mut User, rng: &mut Rng) -> bool {
        match u.rated_installed {
            Tri::Maybe => self.refresh(t, u),
            Tri::No => {
                let out = t.send("PUT", &format!("/v1/me/installs/{OWNER}/{RATED}"), u.access.as_deref(), None);
                if matches!(out, Outcome::NotSent) {
                    return false;
                }
                self.tally("install", &out);
                u.rated_installed = if ok(&out) { Tri::Yes } else { Tri::Maybe };
                true
            }
            Tri::Yes if u.role == Role::Rater && rng.below(2) == 0 => {
                self.usage.lock().unwrap().1 += 1;
                let out = t.send(
                    "POST",
                    &format!("/v1/agents/{OWNER}/{RATED}/usage"),
                    u.access.as_deref(),
                    Some(&json!({ "event": "run", "units": 1 })),
                );
                if matches!(out, Outcome::NotSent) {
                    self.usage.lock().unwrap().1 -= 1;
                    return false;
                }
                self.tally("usage", &out);
                if ok(&out) {
                    self.usage.lock().unwrap().0 += 1;
                }
                true
            }
            Tri::Yes => {
                let stars = 1 + rng.below(5) as u8;
                let out = t.send(
                    "PUT",
                    &format!("/v1/agents/{OWNER}/{RATED}/rating"),
                    u.access.as_deref(),
                    Some(&json!({ "stars": stars, "title": "harness" })),
                );
                if matches!(out, Outcome::NotSent) {
                    return false;
                }
                self.tally("rate", &out);
                u.rating = if ok(&out) { Some(Some(stars)) } else { None };
                true
            }
        }
    }

    fn delete(&self, t: &Targets, u: &mut User) -> bool {
        let out = t.send("DELETE", "/v1/me", u.access.as_deref(), Some(&json!({ "password": PASSWORD })));
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("delete account", &out);
        u.alive = if ok(&out) { Tri::No } else { Tri::Maybe };
        true
    }

    fn publish(&self, t: &Targets) -> bool {
        let mut versions = self.versions.lock().unwrap();
        if versions.0 > 90 {
            return self.set_status(t, &mut Rng::new(versions.0));
        }
        let version = format!("1.{}.0", versions.0);
        versions.0 += 1;
        let out = t.send(
            "POST",
            &format!("/v1/agents/{OWNER}/{RATED}/versions"),
            self.owner_access.lock().unwrap().clone().as_deref(),
            Some(&json!({ "version": version })),
        );
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("publish", &out);
        if ok(&out) {
            versions.1.push(version);
        }
        true
    }

    fn set_status(&self, t: &Targets, rng: &mut Rng) -> bool {
        let status = ["listed", "unlisted"][rng.below(2) as usize];
        let mut possible = self.status_possible.lock().unwrap();
        possible.insert(status.to_string());
        let out = t.send(
            "PATCH",
            &format!("/v1/agents/{OWNER}/{STATUS}"),
            self.owner_access.lock().unwrap().clone().as_deref(),
            Some(&json!({ "status": status })),
        );
        if matches!(out, Outcome::NotSent) {
            return false;
        }
        self.tally("status change", &out);
        if ok(&out) {
            *possible = [status.to_string()].into();
        }
        true
    }

    /// Reads everything back through `addr`: every acknowledged write must be
    /// there and every invariant must hold. Returns the violations; resolves
    /// the "maybe"s to what the store says.
    pub fn verify(&self, addr: &str) -> Vec<String> {
        let mut bad = Vec::new();
        let mut checked = 0u64;
        let get = |path: &str, token: Option<&str>| match call(addr, "GET", path, token, None) {
            Outcome::Answered(200, v, _) => Ok(v),
            other => Err(format!("GET {path}: {other:?}")),
        };
        let login = |email: &str| match call(
            addr,
            "POST",
            "/v1/auth/login",
            None,
            Some(&json!({ "email": email, "password": PASSWORD })),
        ) {
            Outcome::Answered(200, v, _) => Some(v),
            Outcome::Answered(401, ..) => None,
            other => panic!("login {email}: {other:?}"),
        };
        let owner = login(&self.owner_email).expect("the owner can log in");
        *self.owner_access.lock().unwrap() = owner["access_token"].as_str().map(str::to_string);

        let mut churn_count = 0u64;
        let mut rated_count = 0u64;
        let mut alive_handles = BTreeSet::new();
        let mut ratings_expected: BTreeMap<String, Option<u8>> = BTreeMap::new();
        for slot in &self.users {
            let mut users = slot.lock().unwrap();
            for u in users.iter_mut() {
                // Alive or deleted, as acknowledged.
                if u.alive == Tri::No {
                    if !u.deletion_checked {
                        if login(&u.email).is_some() {
                            bad.push(format!("acknowledged deletion of {} lost: it can log in", u.email));
                        }
                        u.deletion_checked = true;
                        checked += 1;
                    }
                    continue;
                }
                let me_ok = u
                    .access
                    .as_deref()
                    .is_some_and(|a| matches!(call(addr, "GET", "/v1/me", Some(a), None), Outcome::Answered(200, ..)));
                let is_alive = me_ok || {
                    match login(&u.email) {
                        Some(v) => {
                            u.access = v["access_token"].as_str().map(str::to_string);
                            u.refresh = v["refresh_token"].as_str().map(str::to_string);
                            true
                        }
                        None => false,
                    }
                };
                if u.alive == Tri::Yes {
                    checked += 1;
                    if !is_alive {
                        bad.push(format!("acknowledged user {} lost", u.email));
                    }
                }
                u.alive = if is_alive { Tri::Yes } else { Tri::No };
                if !is_alive {
                    u.deletion_checked = true;
                    continue;
                }
                alive_handles.insert(u.handle.clone());
                // Refresh tokens: the acknowledged one works, the spent ones never do.
                if let Some(current) = u.refresh.take() {
                    match call(addr, "POST", "/v1/auth/refresh", None, Some(&json!({ "refresh_token": current }))) {
                        Outcome::Answered(200, v, _) => {
                            u.access = v["access_token"].as_str().map(str::to_string);
                            u.refresh = v["refresh_token"].as_str().map(str::to_string);
                            u.spent.push(current);
                            checked += 1;
                        }
                        other => bad.push(format!("{}: acknowledged refresh token refused: {other:?}", u.email)),
                    }
                }
                if !u.spent.is_empty() {
                    for spent in u.spent.drain(..) {
                        match call(addr, "POST", "/v1/auth/refresh", None, Some(&json!({ "refresh_token": spent }))) {
                            Outcome::Answered(401, ..) => checked += 1,
                            other => bad.push(format!("{}: a spent refresh token was accepted: {other:?}", u.email)),
                        }
                    }
                    // Reuse ended the session: start a fresh one.
                    let v = login(&u.email).expect("an alive user logs in");
                    u.access = v["access_token"].as_str().map(str::to_string);
                    u.refresh = v["refresh_token"].as_str().map(str::to_string);
                }
                // Installs, as acknowledged.
                let installs = match get("/v1/me/installs?limit=100", u.access.as_deref()) {
                    Ok(v) => v.to_string(),
                    Err(e) => {
                        bad.push(e);
                        continue;
                    }
                };
                for (slug, state, count) in
                    [(CHURN, &mut u.churn, &mut churn_count), (RATED, &mut u.rated_installed, &mut rated_count)]
                {
                    let has = installs.contains(&format!("\"{slug}\""));
                    if *state != Tri::Maybe {
                        checked += 1;
                        if has != (*state == Tri::Yes) {
                            bad.push(format!(
                                "{}: acknowledged install state of {slug} lost (store says {has})",
                                u.email
                            ));
                        }
                    }
                    *state = if has { Tri::Yes } else { Tri::No };
                    *count += has as u64;
                }
                ratings_expected.insert(u.handle.clone(), u.rating.unwrap_or(Some(0)));
            }
        }

        // Install counts = installs.
        let detail = |slug: &str| {
            get(&format!("/v1/agents/{OWNER}/{slug}"), self.owner_access.lock().unwrap().clone().as_deref())
        };
        for (slug, count) in [(CHURN, churn_count), (RATED, rated_count)] {
            match detail(slug) {
                Ok(v) if v["install_count"] == json!(count) => {}
                Ok(v) => bad.push(format!("{slug}: install_count {} but {count} installs", v["install_count"])),
                Err(e) => bad.push(e),
            }
        }
        // Rating aggregate = reviews; acknowledged ratings there; none from deleted users.
        let mut reviews: BTreeMap<String, u8> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/agents/{OWNER}/{RATED}/reviews?limit=100&cursor={c}"),
                None => format!("/v1/agents/{OWNER}/{RATED}/reviews?limit=100"),
            };
            let page = match get(&path, None) {
                Ok(v) => v,
                Err(e) => {
                    bad.push(e);
                    break;
                }
            };
            for item in page["items"].as_array().into_iter().flatten() {
                let handle = item["user"]["handle"].as_str().unwrap_or_default().to_string();
                reviews.insert(handle, item["stars"].as_u64().unwrap_or(0) as u8);
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        if let Ok(v) = detail(RATED) {
            let count = v["rating"]["count"].as_u64().unwrap_or(u64::MAX);
            if count != reviews.len() as u64 {
                bad.push(format!("{RATED}: rating count {count} but {} reviews", reviews.len()));
            }
            let mut histogram = [0u64; 5];
            for stars in reviews.values() {
                histogram[(*stars as usize).clamp(1, 5) - 1] += 1;
            }
            if v["rating"]["histogram"] != json!(histogram) {
                bad.push(format!("{RATED}: histogram {} but reviews give {histogram:?}", v["rating"]["histogram"]));
            }
            if !reviews.is_empty() {
                let mean = reviews.values().map(|s| *s as f64).sum::<f64>() / reviews.len() as f64;
                let got = v["rating"]["mean"].as_f64().unwrap_or(-1.0);
                if (got - mean).abs() > 0.01 {
                    bad.push(format!("{RATED}: mean {got} but reviews give {mean}"));
                }
            }
        }
        for handle in reviews.keys() {
            if handle != OWNER && !alive_handles.contains(handle) && handle.starts_with(&self.label) {
                bad.push(format!("{RATED}: a review by {handle}, who is deleted"));
            }
        }
        for slot in &self.users {
            for u in slot.lock().unwrap().iter_mut().filter(|u| u.alive == Tri::Yes) {
                let found = reviews.get(&u.handle).copied();
                if let Some(expected) = u.rating {
                    checked += 1;
                    if found != expected {
                        bad.push(format!("{}: acknowledged rating {expected:?} but the store has {found:?}", u.email));
                    }
                }
                u.rating = Some(found);
            }
        }
        // Usage: every acknowledged event counted, none invented.
        let (acked, attempted) = *self.usage.lock().unwrap();
        match get(&format!("/v1/agents/{OWNER}/{RATED}/usage"), self.owner_access.lock().unwrap().clone().as_deref()) {
            Ok(v) => {
                let events: u64 =
                    v["items"].as_array().into_iter().flatten().filter_map(|d| d["events"].as_u64()).sum();
                checked += acked;
                if events < acked || events > attempted {
                    bad.push(format!("usage: {events} events stored, {acked} acknowledged, {attempted} sent"));
                }
                *self.usage.lock().unwrap() = (events, events);
            }
            Err(e) => bad.push(e),
        }
        // Published versions.
        match get(&format!("/v1/agents/{OWNER}/{RATED}/versions?limit=100"), None) {
            Ok(v) => {
                let text = v.to_string();
                for version in &self.versions.lock().unwrap().1 {
                    checked += 1;
                    if !text.contains(&format!("\"{version}\"")) {
                        bad.push(format!("acknowledged version {version} lost"));
                    }
                }
            }
            Err(e) => bad.push(e),
        }
        // Status.
        match detail(STATUS) {
            Ok(v) => {
                let status = v["status"].as_str().unwrap_or_default().to_string();
                let mut possible = self.status_possible.lock().unwrap();
                checked += 1;
                if !possible.contains(&status) {
                    bad.push(format!("{STATUS}: status {status}, acknowledged {possible:?}"));
                }
                *possible = [status].into();
            }
            Err(e) => bad.push(e),
        }
        self.totals.lock().unwrap().checked += checked;
        bad
    }

    /// Totals so far.
    pub fn totals(&self) -> Totals {
        *self.totals.lock().unwrap()
    }
}
