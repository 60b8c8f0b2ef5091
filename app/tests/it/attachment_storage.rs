//! The attachment storage suite, run unchanged against both back ends: a local directory,
//! and S3 against a real S3-compatible server (moto, from PyPI) that each test starts on a
//! free port. moto missing fails the test — run scripts/setup.sh — it is never skipped.

use app::attachments::ssr::sealing::MasterKey;
use app::attachments::ssr::storage::{location, AttachmentStore, StorageConfig};
use object_store::PutPayload;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A store and whatever keeps it alive (a temporary directory or a moto process).
struct TestStore {
    store: AttachmentStore,
    /// The local directory, when the back end is local: checked byte by byte on disk.
    directory: Option<tempfile::TempDir>,
    _moto: Option<MotoServer>,
}

fn local_store() -> TestStore {
    let directory = tempfile::tempdir().expect("temporary directory");
    let store = AttachmentStore::open(
        &StorageConfig::Local {
            directory: directory.path().join("attachments"),
        },
        MasterKey::generate(),
    )
    .expect("open the local store");
    TestStore {
        store,
        directory: Some(directory),
        _moto: None,
    }
}

fn s3_store() -> TestStore {
    let moto = MotoServer::start();
    moto.create_bucket("attachments");
    let store = AttachmentStore::open(
        &StorageConfig::S3 {
            bucket: "attachments".to_string(),
            endpoint: Some(format!("http://127.0.0.1:{}", moto.port)),
            region: "us-east-1".to_string(),
            access_key_id: Some("testing".to_string()),
            secret_access_key: Some("testing".to_string()),
        },
        MasterKey::generate(),
    )
    .expect("open the S3 store");
    TestStore {
        store,
        directory: None,
        _moto: Some(moto),
    }
}

/// A moto S3 server of this test's own, stopped when dropped.
struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    fn start() -> MotoServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 must be installed to run the moto S3 server");
        let mut server = MotoServer { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the moto S3 server exited ({status}): install it with scripts/setup.sh \
                     (pip install 'moto[server]')"
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the moto S3 server did not start within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// `PUT /bucket`: moto accepts unsigned requests, and object_store does not create
    /// buckets.
    fn create_bucket(&self, bucket: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(
            stream,
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("send the create-bucket request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("moto's answer");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "create bucket: {answer}"
        );
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs each scenario once on the local back end and once on S3.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn local() {
                    super::$scenario(&super::local_store()).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn s3() {
                    let test = tokio::task::spawn_blocking(super::s3_store).await.unwrap();
                    super::$scenario(&test).await;
                }
            }
        )*
    };
}

on_both_stores!(
    a_stored_file_reads_back_byte_for_byte,
    stored_bytes_hold_none_of_the_plain_content,
    a_flipped_byte_is_refused,
    a_file_cut_short_or_mislabelled_is_refused,
    an_abandoned_upload_leaves_nothing_and_deletes_are_final,
);

/// Content that is easy to find if it were ever stored in the clear.
fn plain_content(len: usize) -> Vec<u8> {
    b"VETERAN-LAB-RESULT:A1C=6.1%;"
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

async fn store_file(
    test: &TestStore,
    plain: &[u8],
    piece: usize,
) -> app::attachments::ssr::storage::SealedFile {
    let mut writer = test.store.begin().expect("begin");
    for chunk in plain.chunks(piece) {
        writer.write(chunk).await.expect("write");
    }
    writer.finish().await.expect("finish")
}

async fn raw_object(test: &TestStore, id: &str) -> Vec<u8> {
    test.store
        .raw_objects()
        .get(&location(id))
        .await
        .expect("the stored object")
        .bytes()
        .await
        .expect("its bytes")
        .to_vec()
}

async fn a_stored_file_reads_back_byte_for_byte(test: &TestStore) {
    // 6 MiB, the largest allowed file: more than one multipart part on S3. Then tiny files.
    for (len, piece) in [
        (6 * 1024 * 1024, 8 * 1024 + 3),
        (1, 1),
        (65_536, 4096),
        (65_537, 65_537),
    ] {
        let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let sealed = store_file(test, &plain, piece).await;
        assert_eq!(sealed.size_bytes, len as u64);
        assert_eq!(sealed.sha256.len(), 64);
        let read = test
            .store
            .read_verified(&sealed.id, &sealed.keys, sealed.size_bytes, &sealed.sha256)
            .await
            .expect("read back");
        assert_eq!(read.as_ref(), plain.as_slice(), "{len} bytes");
    }
}

async fn stored_bytes_hold_none_of_the_plain_content(test: &TestStore) {
    let plain = plain_content(300_000);
    let sealed = store_file(test, &plain, 10_000).await;
    // The object is named by the server's id, and holds no run of the plain bytes.
    assert_eq!(sealed.id.len(), 32);
    let stored = raw_object(test, &sealed.id).await;
    assert_no_plain_run(&stored, &plain);
    if let Some(directory) = &test.directory {
        // And on disk itself: every file under the storage directory.
        let mut files = 0;
        for entry in walk(directory.path()) {
            let bytes = std::fs::read(&entry).expect("read a stored file");
            assert_no_plain_run(&bytes, &plain);
            files += 1;
        }
        assert_eq!(files, 1, "exactly one file on disk");
    }
}

fn assert_no_plain_run(stored: &[u8], plain: &[u8]) {
    // Any 16 bytes of the plain text (one AES block) would show it leaked.
    let marker = &plain[..16];
    assert!(
        !stored.windows(marker.len()).any(|window| window == marker),
        "plain bytes found in the stored object"
    );
    assert!(
        stored.len() >= plain.len(),
        "stored object too small to hold the file"
    );
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).expect("read the directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

async fn a_flipped_byte_is_refused(test: &TestStore) {
    let plain = plain_content(200_000);
    let sealed = store_file(test, &plain, 50_000).await;
    let original = raw_object(test, &sealed.id).await;
    for at in [0, 70_000, original.len() - 1] {
        let mut tampered = original.clone();
        tampered[at] ^= 0x01;
        test.store
            .raw_objects()
            .put(&location(&sealed.id), PutPayload::from(tampered))
            .await
            .expect("overwrite the object");
        let error = test
            .store
            .read_verified(&sealed.id, &sealed.keys, sealed.size_bytes, &sealed.sha256)
            .await
            .expect_err("a tampered file must be refused");
        assert!(error.is_tampered(), "byte {at}: {error}");
    }
}

async fn a_file_cut_short_or_mislabelled_is_refused(test: &TestStore) {
    let plain = plain_content(200_000);
    let sealed = store_file(test, &plain, 50_000).await;
    let original = raw_object(test, &sealed.id).await;
    // The row says another checksum or size: the content no longer matches what was
    // uploaded, and is refused even though it decrypts.
    let wrong_sha = "0".repeat(64);
    let error = test
        .store
        .read_verified(&sealed.id, &sealed.keys, sealed.size_bytes, &wrong_sha)
        .await
        .unwrap_err();
    assert!(error.is_tampered());
    let error = test
        .store
        .read_verified(
            &sealed.id,
            &sealed.keys,
            sealed.size_bytes + 1,
            &sealed.sha256,
        )
        .await
        .unwrap_err();
    assert!(error.is_tampered());
    // Cut at a chunk boundary: every remaining tag is valid, but the last chunk is missing.
    let cut = original[..65_536 + 16].to_vec();
    test.store
        .raw_objects()
        .put(&location(&sealed.id), PutPayload::from(cut))
        .await
        .expect("overwrite the object");
    let error = test
        .store
        .read_verified(&sealed.id, &sealed.keys, sealed.size_bytes, &sealed.sha256)
        .await
        .unwrap_err();
    assert!(error.is_tampered(), "{error}");
}

async fn an_abandoned_upload_leaves_nothing_and_deletes_are_final(test: &TestStore) {
    let kept = store_file(test, &plain_content(1000), 1000).await;
    let mut abandoned = test.store.begin().expect("begin");
    let abandoned_id = abandoned.id().to_string();
    abandoned
        .write(&plain_content(6 * 1024 * 1024))
        .await
        .expect("write");
    abandoned.abort().await;
    assert_eq!(
        test.store.stored_ids().await.unwrap(),
        vec![kept.id.clone()]
    );
    assert!(test
        .store
        .raw_objects()
        .get(&location(&abandoned_id))
        .await
        .is_err());

    test.store.delete(&kept.id).await.expect("delete");
    assert!(test.store.stored_ids().await.unwrap().is_empty());
    let error = test
        .store
        .read_verified(&kept.id, &kept.keys, kept.size_bytes, &kept.sha256)
        .await
        .unwrap_err();
    assert!(error.is_missing(), "{error}");
    // Deleting again is not an error.
    test.store.delete(&kept.id).await.expect("delete twice");
}
