package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// rawWriter runs the write path's multi-row INSERTs (execRows) on the
// writer's driver connection, without database/sql: database/sql copies
// every argument of every call into a new []driver.NamedValue (40 bytes
// each; 7.6 million arguments, 306 MB of garbage, for an import of 100,000
// events that each post an entry; docs/design/speed.md, section 2). Here
// one slice is reused, and the statements are prepared once per
// connection. Everything in it is touched only inside sql.Conn.Raw on the
// transaction's connection, which holds the connection's lock.
type rawWriter struct {
	conn  *sqlite3.SQLiteConn
	stmts map[string]*sqlite3.SQLiteStmt // by query
	args  []driver.NamedValue            // Ordinal i+1 at i
}

// errTxEnded is execRows' answer on a connection whose transaction has
// ended (a cancelled context rolls it back under the caller): a statement
// must not run in autocommit.
var errTxEnded = errors.New("sqlite: the transaction has ended")

// stmt returns query prepared on c.
func (w *rawWriter) stmt(c *sqlite3.SQLiteConn, query string) (*sqlite3.SQLiteStmt, error) {
	if w.conn != c { // first use, or database/sql replaced the connection
		w.closeStmts()
		w.conn, w.stmts = c, map[string]*sqlite3.SQLiteStmt{}
	}
	if st := w.stmts[query]; st != nil {
		return st, nil
	}
	ds, err := c.Prepare(query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(*sqlite3.SQLiteStmt)
	if !ok {
		ds.Close()
		return nil, fmt.Errorf("sqlite: prepared statement is a %T", ds)
	}
	w.stmts[query] = st
	return st, nil
}

// bind returns args as the driver's arguments, in w's reused slice.
func (w *rawWriter) bind(args []any) ([]driver.NamedValue, error) {
	for len(w.args) < len(args) {
		w.args = append(w.args, driver.NamedValue{Ordinal: len(w.args) + 1})
	}
	nv := w.args[:len(args)]
	for i, a := range args {
		switch a.(type) {
		case nil, int64, string, float64, bool, []byte:
			nv[i].Value = a
		default: // database/sql's conversion (an int becomes an int64)
			v, err := driver.DefaultParameterConverter.ConvertValue(a)
			if err != nil {
				return nil, fmt.Errorf("argument %d: %w", i+1, err)
			}
			nv[i].Value = v
		}
	}
	return nv, nil
}

// release drops the references to the last statement's arguments.
func (w *rawWriter) release(nv []driver.NamedValue) {
	for i := range nv {
		nv[i].Value = nil
	}
}

func (w *rawWriter) closeStmts() error {
	var errs []error
	for _, st := range w.stmts {
		errs = append(errs, st.Close())
	}
	w.conn, w.stmts = nil, nil
	return errors.Join(errs...)
}

// execRows runs a multi-row INSERT (query(n) for n rows of width
// arguments) over args, in statements of 256, 16 or 1 rows.
func (tx *Tx) execRows(query func(n int) string, width int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	if tx.conn == nil {
		return tx.execRowsSQL(query, width, args)
	}
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("sqlite: the writer's connection is a %T", dc)
		}
		w := &tx.db.raw
		rows := len(args) / width
		for start := 0; start < rows; {
			n := insertSize(rows - start)
			if err := tx.ctx.Err(); err != nil {
				return err
			}
			if c.AutoCommit() {
				return errTxEnded
			}
			st, err := w.stmt(c, query(n))
			if err != nil {
				return err
			}
			nv, err := w.bind(args[width*start : width*(start+n)])
			if err != nil {
				return err
			}
			err = execDriver(tx.ctx, st, nv)
			w.release(nv)
			if err != nil {
				return mapError(err)
			}
			start += n
		}
		return nil
	})
}

// execDriver runs a statement that returns no rows through Query rather
// than Exec: go-sqlite3 binds a query's arguments and takes its first step
// in one cgo call, without copying each text into SQLite's memory (Exec
// binds them one by one, on a goroutine of its own).
func execDriver(ctx context.Context, st *sqlite3.SQLiteStmt, nv []driver.NamedValue) error {
	rows, err := st.QueryContext(ctx, nv)
	if err != nil {
		return err
	}
	return rows.Close()
}

// execRowsSQL is execRows through database/sql, for a Tx without its
// connection.
func (tx *Tx) execRowsSQL(query func(n int) string, width int, args []any) error {
	rows := len(args) / width
	for start := 0; start < rows; {
		n := insertSize(rows - start)
		stmt, err := tx.stmt(query(n))
		if err != nil {
			return err
		}
		if err := execQuery(tx.ctx, stmt, args[width*start:width*(start+n)]...); err != nil {
			return mapError(err)
		}
		start += n
	}
	return nil
}

// closeRawStmts finalizes rawWriter's statements (DB.Close, before the
// writer's connection closes: a statement left open would keep the
// connection open, a zombie that never checkpoints). When a transaction
// still holds the connection, its releaseWriter does it.
func (db *DB) closeRawStmts() error {
	db.closing.Store(true)
	if db.w.Stats().InUse > 0 {
		return nil
	}
	conn, err := db.w.Conn(context.Background())
	if err != nil {
		return nil // closed already
	}
	defer conn.Close()
	return conn.Raw(func(any) error { return db.raw.closeStmts() })
}

// releaseWriter returns a write transaction's connection to the pool,
// finalizing rawWriter's statements first if Close has begun.
func (db *DB) releaseWriter(conn *sql.Conn) {
	if db.closing.Load() {
		conn.Raw(func(any) error { return db.raw.closeStmts() })
	}
	conn.Close()
}
