//! A tour of kivigo: plain and typed values, batches, listing.
//!
//! ```text
//! cargo run --example quickstart                     # sled in ./kivigo-quickstart-data
//! cargo run --example quickstart -- --url memory://  # any other store
//! ```

use std::collections::HashMap;

use clap::Parser;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(about = "Stores, reads, batches and lists a few keys in any kivigo store")]
struct Args {
    /// Store URL, for example memory://, sled://./data or redis://127.0.0.1:6379/0.
    #[arg(long, default_value = "sled://./kivigo-quickstart-data")]
    url: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct User {
    name: String,
    email: String,
    admin: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let store = kivigo::open(&args.url).await?;
    println!("opened {}", kivigo::BackendUrl::parse(&args.url)?);
    let caps = store.capabilities();
    println!(
        "backend {}: list={} native batches={} atomic batches={:?}",
        caps.name, caps.list, caps.native_batch, caps.atomic_batch
    );

    // Plain values: any serde type, JSON-encoded by default.
    store.set("quickstart:greeting", "hello, kivigo").await?;
    let greeting: Option<String> = store.get("quickstart:greeting").await?;
    println!("get quickstart:greeting -> {greeting:?}");

    // Typed structs.
    let ada = User {
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        admin: true,
    };
    store.set("quickstart:user:ada", &ada).await?;
    let back: Option<User> = store.get("quickstart:user:ada").await?;
    println!("get quickstart:user:ada -> {back:?}");

    // Batch set: one round trip (or one transaction) for many keys.
    let team = [
        ("grace", "grace@example.com"),
        ("barbara", "barbara@example.com"),
        ("edsger", "edsger@example.com"),
    ]
    .map(|(name, email)| User {
        name: name.into(),
        email: email.into(),
        admin: false,
    });
    store
        .batch_set(
            team.iter()
                .map(|u| (format!("quickstart:user:{}", u.name), u)),
        )
        .await?;
    println!("batch_set {} users", team.len());

    // Batch get: typed results, missing keys left out.
    let wanted = [
        "quickstart:user:grace",
        "quickstart:user:edsger",
        "quickstart:user:nobody",
    ];
    let found: HashMap<String, User> = store.batch_get(wanted).await?;
    println!("batch_get {} keys -> {} found", wanted.len(), found.len());
    for (key, user) in &found {
        println!("  {key} -> {}", user.email);
    }

    // Listing by prefix: sorted, literal, case-sensitive.
    match store.list("quickstart:user:").await {
        Ok(keys) => println!("list quickstart:user: -> {keys:?}"),
        Err(kivigo::Error::Unsupported { .. }) => println!("list is not supported here"),
        Err(err) => return Err(err.into()),
    }

    // Batch delete: returns how many keys existed.
    let everything = [
        "quickstart:greeting",
        "quickstart:user:ada",
        "quickstart:user:grace",
        "quickstart:user:barbara",
        "quickstart:user:edsger",
    ];
    let deleted = store.batch_delete(everything).await?;
    println!(
        "batch_delete {} keys -> {deleted} existed",
        everything.len()
    );

    store.close().await?;
    println!("closed");
    Ok(())
}
