// SPDX-License-Identifier: Apache-2.0
/// A SQLite VFS that coalesces the writes to write-ahead logs (internal to the SQLite backend).
///
/// SQLite 3.40 writes every WAL frame with two `pwrite` calls (the 24-byte frame header, then the
/// page), so a commit that dirtied 400 pages makes 800 system calls, and on a VM every system call
/// is expensive (docs/performance.md "Ingestion": `sqlite3WalFrames` was a quarter of the server's
/// CPU under single-transaction load). This VFS wraps the default one; for `-wal` files only, it
/// gathers contiguous writes in memory and hands them to the real file in few `pwrite`s (of up to 124 KiB) when
/// anything else happens to the file: a sync, a read, a truncate, a size query, a file control,
/// a non-contiguous write, close, or the buffer passing 1 MiB. Every other file (the database,
/// temporary files) is the default VFS's own file, untouched.
///
/// Durability is unchanged: SQLite counts a commit as done only after `xSync` of the WAL returns,
/// and `xSync` writes out the buffer first. A write error that the buffer deferred is reported by
/// the call that flushed it (the sync of the commit, which then fails), never lost. Readers in this
/// or other processes only look at frames that a committed, synced wal-index header announces.
///
/// REQUIRES `synchronous=FULL` (every connection of SqliteDatabase sets it): only then is the WAL
/// synced, and so this buffer written, before a commit publishes its frames in the wal-index. Under
/// `synchronous=NORMAL` another connection could read frames still sitting in this buffer.
///
/// Threading: as SQLite's own files: one connection uses a file at a time.
#pragma once

namespace wt::storage::sqlite {

/// Registers the VFS on first use (thread-safe) and returns its name for `sqlite3_open_v2`.
/// Returns nullptr (use the default VFS) if registration failed.
const char* WalWriteVfsName();

}  // namespace wt::storage::sqlite
