package sqlite

import (
	"context"
	"net/url"
)

// checkUnownedWAL guards a book against a -wal file that is not its own
// before a writer opens it: the writer's last connection checkpoints the
// -wal into the book on close, so another copy's -wal (a book copied or
// restored without the -wal that was beside it, or over a book whose -wal
// stayed) became part of the book for good, even when the writer then
// refused the mix as damaged.
//
// SQLite validates a -wal only against itself: the header's magic, page
// size and checksum, and each frame's salts (equal to the header's) and
// cumulative checksum. Nothing in the -wal names the database file it
// belongs to, so a -wal of another copy with valid frames is read as this
// book's latest pages. What can be checked is the mix: when no other
// process has the book open (a live -wal is the book's own), the book is
// read with its -wal read-only (mode=ro never checkpoints) and checked
// whole, as a writer checks it before writing. A mix that is not a sound
// SQLite file is refused with the damage and the cure (damageCure), the
// book and the -wal as they were. A -wal that a killed command left is the
// book's own: it passes, and the writer then checkpoints it as usual.
//
// It reports whether it checked the file: the writer's own check before
// writing would read the same pages again (CheckBeforeWrite).
//
// Left: a -wal of a copy with the same layout (the same book a few commits
// apart) can make a sound file, which only verify's hash chain against an
// anchor tells apart (docs/ledger.md).
func checkUnownedWAL(ctx context.Context, path string) (checked bool, err error) {
	if walInUse(path) {
		return false, nil
	}
	v := url.Values{"mode": {"ro"}, "_query_only": {"true"}, "_journal_mode": {""}}
	db, err := openReader(ctx, path, v)
	if err != nil {
		return false, explainOpenError(path, true, err)
	}
	defer db.Close()
	db.walAtOpen = true
	if err := db.QuickCheck(ctx); err != nil {
		return false, err
	}
	return true, nil
}
