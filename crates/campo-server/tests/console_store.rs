//! The office console's storage (accounts, password links, sessions, failed logins and the
//! audit log), walked method by method against a fresh SQLite file and a fresh PostgreSQL
//! database: both engines must answer alike, and both must refuse at the database itself
//! to change or delete an audit line.
//!
//! Time is passed in, so the dates here are fixed and far from today: a store that read the
//! wall clock instead of `now` would fail them. Limits are checked to the microsecond, the
//! precision both engines keep.

mod common;

use campo_server::store::{StorageError, Store};
use campo_server_store::accounts::{AUDIT_PAGE_MAX, USER_NAME_MAX};
use campo_server_store::migrate::latest;
use campo_server_store::{
    AuditEntry, AuditQuery, NewAudit, NewUser, Project, Role, SessionLimits, User,
};
use chrono::{DateTime, Duration, Utc};
use common::*;
use std::sync::Arc;
use uuid::Uuid;

/// Instantiates each named `async fn NAME(&TestDb)` once per engine, on a fresh database
/// that the test opens itself (so that one test can shape the database first).
macro_rules! console_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::common::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::common::TestDb::postgres_async().await else {
                        return;
                    };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

console_tests!(
    a_database_at_schema_5_upgrades_to_the_console_schema,
    accounts_are_refused_with_the_error_each_fault_calls_for,
    user_names_are_unique_and_listed_in_order,
    a_session_lives_to_its_idle_limit_and_no_further,
    a_session_lives_to_its_absolute_limit_however_busy,
    a_disabled_account_has_no_session_and_no_working_link,
    a_new_password_ends_the_accounts_sessions_and_links,
    a_password_link_works_until_it_expires_and_only_the_newest,
    failed_logins_count_per_key_in_the_window_and_are_forgotten_after_a_day,
    audit_lines_append_in_order_and_read_back_filtered_and_paged,
    the_database_refuses_to_change_or_delete_an_audit_line,
);

const T0: &str = "2026-03-10T08:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn micro() -> Duration {
    Duration::microseconds(1)
}

/// `TestDb`'s raw SQL helpers run a runtime of their own: from an async test they must
/// leave this one's worker first.
fn raw<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// How many rows a query counts, read straight from the database.
fn count(db: &TestDb, sql: &str) -> u64 {
    raw(|| db.query_text(sql, &format!("SELECT ({sql})::text")))[0]
        .parse()
        .unwrap()
}

fn sessions_under(db: &TestDb, id_hash: &str) -> u64 {
    count(
        db,
        &format!("SELECT COUNT(*) FROM sessions WHERE id_hash = '{id_hash}'"),
    )
}

async fn add_project(store: &Arc<dyn Store>, id: &str) {
    store
        .add_project(&Project {
            id: id.into(),
            name: format!("Project {id}"),
            targets: Default::default(),
            created_at: t("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
}

fn new_user(name: &str, role: Role, project: Option<&str>) -> NewUser {
    NewUser {
        name: name.into(),
        role,
        project: project.map(str::to_string),
        password_hash: None,
    }
}

/// A coordinator of `valle-a` (added if missing), with a password.
async fn coordinator(store: &Arc<dyn Store>, name: &str) -> User {
    if store.project("valle-a").await.unwrap().is_none() {
        add_project(store, "valle-a").await;
    }
    let mut new = new_user(name, Role::Coordinator, Some("valle-a"));
    new.password_hash = Some(format!("$argon2id$v=19$m=19456,t=2,p=1$salt-{name}$hash"));
    store.add_user(&new, t(T0)).await.unwrap()
}

const LIMITS: SessionLimits = SessionLimits {
    idle: Duration::minutes(30),
    absolute: Duration::hours(8),
};

/// Brings a fresh database to schema 5 by running this build's first five migrations by
/// hand, as a server of that version would have, with a project of its own.
fn at_schema_5(db: &TestDb) {
    db.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    let (sqlite, postgres) = (
        campo_server_sqlite::MIGRATIONS,
        campo_server_postgres::MIGRATIONS,
    );
    for (s, p) in sqlite.iter().zip(postgres).take(5) {
        assert_eq!(s.version, p.version);
        db.execute(s.sql, p.sql);
        db.execute(
            &format!(
                "INSERT INTO schema_version (version, applied_at) VALUES ({}, '2026-02-01T00:00:00Z')",
                s.version
            ),
            &format!("INSERT INTO schema_version (version) VALUES ({})", p.version),
        );
    }
    db.execute_both(
        "INSERT INTO projects (id, name, targets, created_at) \
         VALUES ('valle-a', 'Valle A', '{}', '2026-02-01T00:00:00Z')",
    );
}

async fn a_database_at_schema_5_upgrades_to_the_console_schema(db: &TestDb) {
    let migrations = match db.engine {
        Engine::Sqlite => campo_server_sqlite::MIGRATIONS,
        Engine::Postgres => campo_server_postgres::MIGRATIONS,
    };
    // Later migrations (7: reviews) run on the way up too.
    let console = &migrations[5];
    assert_eq!((console.version, console.name), (6, "console"));

    raw(|| at_schema_5(db));
    let tables = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'";
    let pg_tables =
        "SELECT COUNT(*)::text FROM information_schema.tables WHERE table_name = 'users'";
    assert_eq!(raw(|| db.query_text(tables, pg_tables)), ["0"]);

    let store = db.open().await;
    assert_eq!(store.schema_version().await.unwrap(), latest(migrations));
    assert_eq!(
        count(db, "SELECT MAX(version) FROM schema_version"),
        u64::from(latest(migrations))
    );
    assert_eq!(raw(|| db.query_text(tables, pg_tables)), ["1"]);
    // What schema 5 held is kept, and the new tables work with it.
    assert_eq!(
        store.project("valle-a").await.unwrap().unwrap().name,
        "Valle A"
    );
    let anna = coordinator(&store, "anna").await;
    assert_eq!(store.users().await.unwrap(), vec![anna]);
    store
        .add_audit(&NewAudit {
            at: t(T0),
            actor: Some("anna".into()),
            address: None,
            action: "login".into(),
            project: None,
            target: None,
            detail: None,
        })
        .await
        .unwrap();
    assert!(raw(|| db.try_execute_both("DELETE FROM audit")).is_err());
    assert_eq!(store.audit_log(&page(10)).await.unwrap().len(), 1);
    // Opening again migrates nothing.
    drop(store);
    let again = db.open().await;
    assert_eq!(again.schema_version().await.unwrap(), latest(migrations));
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM schema_version"),
        u64::from(latest(migrations))
    );
}

async fn accounts_are_refused_with_the_error_each_fault_calls_for(db: &TestDb) {
    let store = db.open().await;
    add_project(&store, "valle-a").await;
    let now = t(T0);
    let refused = |what: &str, got: Result<User, StorageError>, want: &str| match (&got, want) {
        (Err(StorageError::Invalid(_)), "invalid")
        | (Err(StorageError::NotFound(_)), "not found")
        | (Err(StorageError::Conflict(_)), "conflict") => {}
        _ => panic!("{what}: {got:?}, expected {want}"),
    };

    // Names that could pass for markup or a separator, or are empty or too long.
    let long = "a".repeat(USER_NAME_MAX + 1);
    for bad in [
        "",
        " ",
        "anna rossi",
        "<b>",
        "a/b",
        "a,b",
        "a:b",
        "a;b",
        "tab\t",
        "a\"b",
        long.as_str(),
    ] {
        let got = store
            .add_user(&new_user(bad, Role::Viewer, Some("valle-a")), now)
            .await;
        refused(&format!("name {bad:?}"), got, "invalid");
    }
    // An admin is global; every other role holds in one project. Checked before the
    // project is looked up: an admin naming an unknown project is Invalid too.
    for project in ["valle-a", "nowhere"] {
        let got = store
            .add_user(&new_user("root", Role::Admin, Some(project)), now)
            .await;
        refused(&format!("admin in {project}"), got, "invalid");
    }
    for role in [Role::Coordinator, Role::Psychologist, Role::Viewer] {
        let got = store.add_user(&new_user("lone", role, None), now).await;
        refused(&format!("{role} without a project"), got, "invalid");
    }
    // An unknown project.
    for role in [Role::Coordinator, Role::Psychologist, Role::Viewer] {
        let got = store
            .add_user(&new_user("lost", role, Some("nowhere")), now)
            .await;
        refused(&format!("{role} of an unknown project"), got, "not found");
    }
    assert_eq!(
        store.users().await.unwrap(),
        vec![],
        "nothing refused was stored"
    );

    // Names at the edges of what is allowed.
    let longest = "b".repeat(USER_NAME_MAX);
    for good in [
        "x",
        "anna.rossi",
        "b_2",
        "c-d",
        "e@asl.example",
        "Élodie",
        longest.as_str(),
    ] {
        store
            .add_user(&new_user(good, Role::Viewer, Some("valle-a")), now)
            .await
            .unwrap_or_else(|e| panic!("name {good:?}: {e}"));
    }
    let admin = store
        .add_user(&new_user("root", Role::Admin, None), now)
        .await
        .unwrap();
    assert_eq!(admin.project, None);
    // A taken name, whatever the role or project.
    let got = store
        .add_user(&new_user("root", Role::Viewer, Some("valle-a")), now)
        .await;
    refused("a taken name", got, "conflict");
    match store.add_user(&new_user("x", Role::Admin, None), now).await {
        Err(StorageError::Conflict(why)) => assert!(!why.contains('x'), "no name in {why}"),
        other => panic!("a taken name: {other:?}"),
    }
    assert_eq!(store.users().await.unwrap().len(), 8);
    assert_eq!(store.user_by_name("root").await.unwrap(), Some(admin));

    // The database holds the rules too, whatever writes the row.
    let id = Uuid::now_v7();
    for (role, project) in [
        ("admin", "'valle-a'"),
        ("viewer", "NULL"),
        ("root", "NULL"),
        ("viewer", "'nowhere'"),
    ] {
        let sql = format!(
            "INSERT INTO users (id, name, role, project_id, created_at) \
             VALUES ('{id}', 'raw', '{role}', {project}, '2026-03-10T08:00:00Z')"
        );
        // SQLite checks foreign keys only when a connection turns them on.
        let sqlite = format!("PRAGMA foreign_keys = ON; {sql}");
        assert!(
            raw(|| db.try_execute(&sqlite, &sql)).is_err(),
            "{role} in {project} stored"
        );
    }
    assert_eq!(store.user_by_name("raw").await.unwrap(), None);
}

async fn user_names_are_unique_and_listed_in_order(db: &TestDb) {
    let store = db.open().await;
    add_project(&store, "valle-a").await;
    add_project(&store, "valle-b").await;
    let at = |m: i64| t(T0) + Duration::minutes(m);
    let mut added = Vec::new();
    for (i, (name, role, project)) in [
        ("zoe", Role::Viewer, Some("valle-b")),
        ("Bruno", Role::Psychologist, Some("valle-a")),
        ("anna", Role::Coordinator, Some("valle-a")),
        ("admin", Role::Admin, None),
        ("Émile", Role::Viewer, Some("valle-a")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut new = new_user(name, role, project);
        new.password_hash = (i % 2 == 0).then(|| format!("phc-{i}"));
        let user = store.add_user(&new, at(i as i64)).await.unwrap();
        // What comes back is what was asked, enabled, created now.
        assert_eq!(
            (user.name.as_str(), user.role, user.project.as_deref()),
            (name, role, project)
        );
        assert_eq!(user.password_hash, new.password_hash);
        assert!(!user.disabled);
        assert_eq!(user.created_at, at(i as i64));
        assert_eq!(user.id.get_version_num(), 7);
        added.push(user);
    }
    // By name in code-point order on both engines, whatever PostgreSQL's locale.
    added.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        added.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Bruno", "admin", "anna", "zoe", "Émile"]
    );
    assert_eq!(store.users().await.unwrap(), added);
    for user in &added {
        assert_eq!(
            store.user_by_name(&user.name).await.unwrap().as_ref(),
            Some(user)
        );
    }
    assert_eq!(store.user_by_name("nobody").await.unwrap(), None);
    assert_eq!(
        store.user_by_name("ann").await.unwrap(),
        None,
        "exact names only"
    );
    // Each name once, across roles and projects.
    for (role, project) in [
        (Role::Coordinator, Some("valle-b")),
        (Role::Admin, None),
        (Role::Viewer, Some("valle-a")),
    ] {
        match store
            .add_user(&new_user("anna", role, project), at(9))
            .await
        {
            Err(StorageError::Conflict(_)) => {}
            other => panic!("anna again as {role}: {other:?}"),
        }
    }
    assert_eq!(store.users().await.unwrap(), added, "the first one stays");
}

async fn a_session_lives_to_its_idle_limit_and_no_further(db: &TestDb) {
    let store = db.open().await;
    let anna = coordinator(&store, "anna").await;
    let t0 = t(T0);
    let idle = LIMITS.idle;
    store
        .add_session("s-1", anna.id, "csrf-1", t0)
        .await
        .unwrap();
    store
        .add_session("s-2", anna.id, "csrf-2", t0)
        .await
        .unwrap();

    // Exactly at the limit it lives, and its last use moves to now...
    let row = store
        .session("s-1", t0 + idle, LIMITS)
        .await
        .unwrap()
        .expect("live at the idle limit");
    assert_eq!(row.user, anna);
    assert_eq!(row.csrf, "csrf-1");
    assert_eq!((row.created_at, row.last_seen), (t0, t0 + idle));
    // ...so the limit counts from there.
    let row = store
        .session("s-1", t0 + idle * 2, LIMITS)
        .await
        .unwrap()
        .expect("live: idle counted from the last use");
    assert_eq!(row.last_seen, t0 + idle * 2);
    // A microsecond past it, the session is gone, and deleted.
    assert_eq!(sessions_under(db, "s-1"), 1);
    assert_eq!(
        store
            .session("s-1", t0 + idle * 3 + micro(), LIMITS)
            .await
            .unwrap(),
        None
    );
    assert_eq!(sessions_under(db, "s-1"), 0);
    assert_eq!(
        store.session("s-1", t0 + idle * 3, LIMITS).await.unwrap(),
        None
    );
    // The other one, never used since login, ends at the limit from login.
    assert_eq!(
        store
            .session("s-2", t0 + idle + micro(), LIMITS)
            .await
            .unwrap(),
        None
    );
    assert_eq!(sessions_under(db, "s-2"), 0);

    // Unknown ids, ended sessions, refused starts.
    assert_eq!(store.session("nope", t0, LIMITS).await.unwrap(), None);
    store
        .add_session("s-3", anna.id, "csrf-3", t0)
        .await
        .unwrap();
    match store.add_session("s-3", anna.id, "other", t0).await {
        Err(StorageError::Conflict(_)) => {}
        other => panic!("an id hash twice: {other:?}"),
    }
    store.end_session("s-3").await.unwrap();
    assert_eq!(sessions_under(db, "s-3"), 0);
    assert_eq!(store.session("s-3", t0, LIMITS).await.unwrap(), None);
    store.end_session("s-3").await.unwrap();
    match store.add_session("s-4", Uuid::now_v7(), "c", t0).await {
        Err(StorageError::NotFound(_)) => {}
        other => panic!("a session of no account: {other:?}"),
    }
    assert_eq!(sessions_under(db, "s-4"), 0);
}

async fn a_session_lives_to_its_absolute_limit_however_busy(db: &TestDb) {
    let store = db.open().await;
    let anna = coordinator(&store, "anna").await;
    let t0 = t(T0);
    store
        .add_session("busy", anna.id, "csrf", t0)
        .await
        .unwrap();
    // A request every 20 minutes keeps it from idling, up to exactly 8 hours after login.
    for k in 1..=24 {
        let now = t0 + Duration::minutes(20 * k);
        let row = store
            .session("busy", now, LIMITS)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("live after {} minutes", 20 * k));
        assert_eq!((row.created_at, row.last_seen), (t0, now));
    }
    assert_eq!(t0 + Duration::minutes(20 * 24), t0 + LIMITS.absolute);
    // A microsecond later, used a microsecond ago, it is over all the same.
    assert_eq!(
        store
            .session("busy", t0 + LIMITS.absolute + micro(), LIMITS)
            .await
            .unwrap(),
        None
    );
    assert_eq!(sessions_under(db, "busy"), 0);
    // The limits are the call's: the same session under longer ones would have lived.
    store
        .add_session("again", anna.id, "csrf", t0)
        .await
        .unwrap();
    let longer = SessionLimits {
        idle: Duration::days(2),
        absolute: Duration::days(2),
    };
    assert!(store
        .session("again", t0 + Duration::days(1), longer)
        .await
        .unwrap()
        .is_some());
}

async fn a_disabled_account_has_no_session_and_no_working_link(db: &TestDb) {
    let store = db.open().await;
    let anna = coordinator(&store, "anna").await;
    let bruno = coordinator(&store, "bruno").await;
    let t0 = t(T0);
    for (id, user) in [("a-1", &anna), ("a-2", &anna), ("b-1", &bruno)] {
        store.add_session(id, user.id, "c", t0).await.unwrap();
    }
    store
        .add_password_link(anna.id, "link-a", t0 + Duration::days(2))
        .await
        .unwrap();

    // Disabling ends every session of the account, and no other.
    assert!(store.set_user_disabled(anna.id, true).await.unwrap());
    assert_eq!(sessions_under(db, "a-1") + sessions_under(db, "a-2"), 0);
    assert!(store.session("b-1", t0, LIMITS).await.unwrap().is_some());
    assert!(store.user_by_name("anna").await.unwrap().unwrap().disabled);
    // Its link answers nothing while it is disabled, and works again once enabled.
    assert_eq!(store.password_link_user("link-a", t0).await.unwrap(), None);
    assert!(store.set_user_disabled(anna.id, false).await.unwrap());
    assert_eq!(
        store.password_link_user("link-a", t0).await.unwrap(),
        Some(anna.clone())
    );
    // Enabling brings no session back.
    assert_eq!(store.session("a-1", t0, LIMITS).await.unwrap(), None);

    // A session of an account disabled behind the store's back is refused and deleted.
    store.add_session("a-3", anna.id, "c", t0).await.unwrap();
    raw(|| {
        db.execute(
            &format!("UPDATE users SET disabled = 1 WHERE id = '{}'", anna.id),
            &format!("UPDATE users SET disabled = true WHERE id = '{}'", anna.id),
        )
    });
    assert_eq!(store.session("a-3", t0, LIMITS).await.unwrap(), None);
    assert_eq!(sessions_under(db, "a-3"), 0);

    // No such account.
    assert!(!store.set_user_disabled(Uuid::now_v7(), true).await.unwrap());
    assert!(!store
        .set_user_disabled(Uuid::now_v7(), false)
        .await
        .unwrap());
}

async fn a_new_password_ends_the_accounts_sessions_and_links(db: &TestDb) {
    let store = db.open().await;
    let anna = coordinator(&store, "anna").await;
    let bruno = coordinator(&store, "bruno").await;
    let t0 = t(T0);
    for (id, user) in [("a-1", &anna), ("a-2", &anna), ("b-1", &bruno)] {
        store.add_session(id, user.id, "c", t0).await.unwrap();
    }
    let later = t0 + Duration::days(1);
    store
        .add_password_link(anna.id, "link-a", later)
        .await
        .unwrap();
    store
        .add_password_link(bruno.id, "link-b", later)
        .await
        .unwrap();

    assert!(store.set_password_hash(anna.id, "phc-new").await.unwrap());
    let stored = store.user_by_name("anna").await.unwrap().unwrap();
    assert_eq!(stored.password_hash.as_deref(), Some("phc-new"));
    assert_eq!(
        User {
            password_hash: anna.password_hash.clone(),
            ..stored
        },
        anna,
        "nothing else changed"
    );
    // Every session and link of the account is over; another account's are not.
    assert_eq!(store.session("a-1", t0, LIMITS).await.unwrap(), None);
    assert_eq!(sessions_under(db, "a-2"), 0);
    assert_eq!(store.password_link_user("link-a", t0).await.unwrap(), None);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM password_links WHERE token_hash = 'link-a'"
        ),
        0
    );
    assert!(store.session("b-1", t0, LIMITS).await.unwrap().is_some());
    assert_eq!(
        store.password_link_user("link-b", t0).await.unwrap(),
        Some(bruno)
    );
    assert!(!store
        .set_password_hash(Uuid::now_v7(), "phc")
        .await
        .unwrap());
}

async fn a_password_link_works_until_it_expires_and_only_the_newest(db: &TestDb) {
    let store = db.open().await;
    let anna = coordinator(&store, "anna").await;
    let t0 = t(T0);
    let expires = t0 + Duration::hours(24);
    store
        .add_password_link(anna.id, "link-1", expires)
        .await
        .unwrap();
    // Reading does not use it up.
    for now in [t0, expires - micro(), expires - micro()] {
        assert_eq!(
            store.password_link_user("link-1", now).await.unwrap(),
            Some(anna.clone()),
            "at {now}"
        );
    }
    for now in [expires, expires + Duration::days(1)] {
        assert_eq!(store.password_link_user("link-1", now).await.unwrap(), None);
    }
    assert_eq!(store.password_link_user("other", t0).await.unwrap(), None);

    // A new link replaces the account's last one.
    store
        .add_password_link(anna.id, "link-2", expires + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(store.password_link_user("link-1", t0).await.unwrap(), None);
    assert_eq!(
        store.password_link_user("link-2", expires).await.unwrap(),
        Some(anna.clone())
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM password_links"), 1);
    match store
        .add_password_link(Uuid::now_v7(), "link-3", expires)
        .await
    {
        Err(StorageError::NotFound(_)) => {}
        other => panic!("a link for no account: {other:?}"),
    }
    assert_eq!(store.password_link_user("link-3", t0).await.unwrap(), None);
}

async fn failed_logins_count_per_key_in_the_window_and_are_forgotten_after_a_day(db: &TestDb) {
    let store = db.open().await;
    let t0 = t(T0);
    let min = |m: i64| t0 + Duration::minutes(m);
    let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let (anna, bruno, addr) = ("account:anna", "account:bruno", "address:192.0.2.7");
    store
        .add_login_failure(&keys(&[anna, addr]), min(0))
        .await
        .unwrap();
    store
        .add_login_failure(&keys(&[anna]), min(1))
        .await
        .unwrap();
    store
        .add_login_failure(&keys(&[bruno, addr]), min(2))
        .await
        .unwrap();
    store.add_login_failure(&[], min(3)).await.unwrap();

    let failures = |key: &'static str, since: DateTime<Utc>| {
        let store = store.clone();
        async move { store.login_failures(key, since).await.unwrap() }
    };
    // Each key counts its own, from `since` on (a failure exactly at `since` counts).
    assert_eq!(failures(anna, min(0)).await, 2);
    assert_eq!(failures(anna, min(1)).await, 1);
    assert_eq!(failures(anna, min(1) + micro()).await, 0);
    assert_eq!(failures(addr, min(0)).await, 2);
    assert_eq!(failures(addr, min(1)).await, 1);
    assert_eq!(failures(bruno, min(0)).await, 1);
    assert_eq!(failures("account:carla", min(0)).await, 0);

    // Failures are forgotten once more than a day old, whatever the key: not at a day...
    let day = Duration::days(1);
    store
        .add_login_failure(&keys(&["address:198.51.100.1"]), t0 + day)
        .await
        .unwrap();
    let ever = t("2000-01-01T00:00:00Z");
    assert_eq!(failures(anna, ever).await, 2);
    // ...but a microsecond after.
    store
        .add_login_failure(&keys(&["address:198.51.100.1"]), t0 + day + micro())
        .await
        .unwrap();
    assert_eq!(failures(anna, ever).await, 1);
    assert_eq!(failures(addr, ever).await, 1);
    assert_eq!(failures(bruno, ever).await, 1);
    assert_eq!(failures("address:198.51.100.1", ever).await, 2);
    assert_eq!(count(db, "SELECT COUNT(*) FROM login_failures"), 5);

    // A key is cleared alone.
    store.clear_login_failures(anna).await.unwrap();
    assert_eq!(failures(anna, ever).await, 0);
    assert_eq!(failures(addr, ever).await, 1);
    store.clear_login_failures("account:nobody").await.unwrap();
}

fn page(limit: u32) -> AuditQuery {
    AuditQuery {
        limit,
        ..AuditQuery::default()
    }
}

fn line(minute: i64, actor: Option<&str>, action: &str, project: Option<&str>) -> NewAudit {
    NewAudit {
        at: t(T0) + Duration::minutes(minute),
        actor: actor.map(str::to_string),
        address: Some("192.0.2.7".into()),
        action: action.into(),
        project: project.map(str::to_string),
        target: Some(format!("target-{minute}")),
        detail: (minute % 2 == 0).then(|| format!("n={minute}")),
    }
}

async fn audit_lines_append_in_order_and_read_back_filtered_and_paged(db: &TestDb) {
    let store = db.open().await;
    let lines = [
        line(0, Some("anna"), "login", None),
        line(1, Some("anna"), "review", Some("valle-a")),
        line(2, Some("bruno"), "export", Some("valle-b")),
        line(3, Some("anna"), "enroll_code", Some("valle-a")),
        line(4, Some("root"), "user_added", None),
        line(5, None, "login_failed", None),
        // About a project the store does not know: logged all the same.
        line(6, Some("root"), "project_added", Some("valle-c")),
    ];
    for l in &lines {
        store.add_audit(l).await.unwrap();
    }
    let all = store.audit_log(&page(100)).await.unwrap();
    // Newest first, each line as written, numbered in the order written.
    let entries: Vec<&NewAudit> = all.iter().map(|e| &e.entry).collect();
    assert_eq!(entries, lines.iter().rev().collect::<Vec<_>>());
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "{all:?}");
    let seq_of = |minute: usize| all[lines.len() - 1 - minute].seq;
    let minutes = |got: Vec<AuditEntry>| {
        got.iter()
            .map(|e| (e.entry.at - t(T0)).num_minutes())
            .collect::<Vec<_>>()
    };
    let read = |q: AuditQuery| {
        let store = store.clone();
        async move { minutes(store.audit_log(&q).await.unwrap()) }
    };
    let projects = |ps: &[&str]| Some(ps.iter().map(|p| p.to_string()).collect::<Vec<_>>());

    // A project list: the lines about those projects only, none about no project.
    let of = |ps: &[&str]| AuditQuery {
        projects: projects(ps),
        ..page(100)
    };
    assert_eq!(read(of(&["valle-a"])).await, [3, 1]);
    assert_eq!(read(of(&["valle-a", "valle-b"])).await, [3, 2, 1]);
    assert_eq!(read(of(&["valle-c"])).await, [6]);
    assert_eq!(read(of(&[])).await, Vec::<i64>::new());
    assert_eq!(read(of(&["nowhere"])).await, Vec::<i64>::new());
    // An action, an actor, all together.
    let action = |a: &str| AuditQuery {
        action: Some(a.into()),
        ..page(100)
    };
    assert_eq!(read(action("login")).await, [0], "not login_failed");
    assert_eq!(read(action("nothing")).await, Vec::<i64>::new());
    let actor = |a: &str| AuditQuery {
        actor: Some(a.into()),
        ..page(100)
    };
    assert_eq!(read(actor("anna")).await, [3, 1, 0]);
    assert_eq!(read(actor("ann")).await, Vec::<i64>::new());
    assert_eq!(
        read(AuditQuery {
            projects: projects(&["valle-a", "valle-b"]),
            actor: Some("anna".into()),
            action: Some("review".into()),
            ..page(100)
        })
        .await,
        [1]
    );

    // Pages: `limit` newest, then those below the last seq seen.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let got = store
            .audit_log(&AuditQuery { before, ..page(3) })
            .await
            .unwrap();
        if got.is_empty() {
            break;
        }
        before = Some(got.last().unwrap().seq);
        pages.push(minutes(got));
    }
    assert_eq!(pages, [vec![6, 5, 4], vec![3, 2, 1], vec![0]]);
    assert_eq!(
        read(AuditQuery {
            before: Some(seq_of(3)),
            ..of(&["valle-a"])
        })
        .await,
        [1],
        "a page of a filtered read"
    );
    assert_eq!(
        read(page(0)).await,
        Vec::<i64>::new(),
        "a limit of 0 reads none"
    );

    // However many are asked for, one read returns at most AUDIT_PAGE_MAX lines.
    let bulk = AUDIT_PAGE_MAX as usize + 5;
    raw(|| {
        db.execute(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {bulk}) \
                 INSERT INTO audit (at, action) SELECT '2026-03-11T00:00:00+00:00', 'bulk' FROM n"
            ),
            &format!(
                "INSERT INTO audit (at, action) \
                 SELECT '2026-03-11T00:00:00Z', 'bulk' FROM generate_series(1, {bulk})"
            ),
        )
    });
    let newest = store.audit_log(&page(u32::MAX)).await.unwrap();
    assert_eq!(newest.len(), AUDIT_PAGE_MAX as usize);
    assert!(newest.iter().all(|e| e.entry.action == "bulk"));
    assert!(newest.windows(2).all(|w| w[0].seq > w[1].seq));
    // The lines added later are numbered after every earlier one.
    assert!(newest.last().unwrap().seq > seq_of(6));
}

async fn the_database_refuses_to_change_or_delete_an_audit_line(db: &TestDb) {
    let store = db.open().await;
    for l in [
        line(0, Some("anna"), "login", None),
        line(1, Some("anna"), "export", Some("valle-a")),
    ] {
        store.add_audit(&l).await.unwrap();
    }
    let before = store.audit_log(&page(10)).await.unwrap();
    let first = before.last().unwrap().seq;
    let mut refused = vec![
        "UPDATE audit SET actor = 'someone else'".to_string(),
        format!("UPDATE audit SET detail = NULL WHERE seq = {first}"),
        format!("DELETE FROM audit WHERE seq = {first}"),
        // A bare DELETE, which SQLite could run as a truncation.
        "DELETE FROM audit".to_string(),
    ];
    if db.is_postgres() {
        refused.push("TRUNCATE audit".into());
        // Per statement: refused even where it would change no row.
        refused.push("DELETE FROM audit WHERE seq < 0".into());
    }
    for sql in &refused {
        match raw(|| db.try_execute_both(sql)) {
            Err(why) => assert!(why.contains("append-only"), "{sql}: {why}"),
            Ok(()) => panic!("{sql} was allowed"),
        }
    }
    assert_eq!(store.audit_log(&page(10)).await.unwrap(), before);
    // Appending still works, and takes a new number.
    store
        .add_audit(&line(2, None, "login_failed", None))
        .await
        .unwrap();
    let after = store.audit_log(&page(10)).await.unwrap();
    assert_eq!(after.len(), 3);
    assert!(after[0].seq > before[0].seq);
}
