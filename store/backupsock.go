package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// SocketName is the control socket a running phuan opens in its data
// folder, so that `phuan backup` can take a hot backup while it runs. The
// socket is readable and writable by the owner only.
const SocketName = "phuan.sock"

// ServeBackups answers backup requests on the control socket in dir until
// ctx ends. Each connection that sends "backup\n" receives a consistent
// copy of the database.
func (s *Store) ServeBackups(ctx context.Context, dir string, log *slog.Logger) error {
	path := filepath.Join(dir, SocketName)
	_ = os.Remove(path) // a socket left by a crashed process; the store lock says we own the folder
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("open control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("protect control socket: %w", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					log.Error("control socket stopped", "component", "store", "err", err)
				}
				return
			}
			go s.serveBackup(conn, log)
		}
	}()
	return nil
}

func (s *Store) serveBackup(conn net.Conn, log *slog.Logger) {
	defer conn.Close()
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "backup" {
		return
	}
	if n, err := s.Backup(conn); err != nil {
		log.Error("hot backup failed", "component", "store", "err", err)
	} else {
		log.Info("hot backup sent", "component", "store", "bytes", n)
	}
}

// BackupDir writes a backup of the store in dir to the new file path:
// directly when no process holds the folder, else through the running
// process's control socket.
func BackupDir(dir, path string) (int64, error) {
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		return 0, fmt.Errorf("no phuan data in %s: %w", dir, err)
	}
	s, err := Open(filepath.Join(dir, FileName))
	if err == nil {
		defer s.Close()
		return s.BackupFile(path)
	}
	if !errors.Is(err, ErrInUse) {
		return 0, err
	}
	conn, err := net.Dial("unix", filepath.Join(dir, SocketName))
	if err != nil {
		return 0, fmt.Errorf("the data folder is in use, and its control socket does not answer: %w", err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "backup\n"); err != nil {
		return 0, fmt.Errorf("ask for backup: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create backup file: %w", err)
	}
	n, err := io.Copy(f, conn)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n == 0 {
		err = errors.New("the running process sent an empty backup")
	}
	if err == nil {
		// Check the copy opens as a valid store before calling it a backup.
		var check *Store
		if check, err = Open(path); err == nil {
			err = check.Close()
		}
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("receive backup: %w", err)
	}
	return n, nil
}

// snapshotPattern names the copies OpenForReading makes in a data folder.
const snapshotPattern = ".snapshot-*.db"

// OpenForReading opens the store in dir for reading: the store itself when
// no process holds the folder, else a consistent copy taken through the
// running process's control socket into the folder (owner-only, like the
// store), which done closes and removes. Commands that only read, such as
// exporting an enrolment list, so work while phuan serve runs.
func OpenForReading(dir string) (s *Store, done func() error, err error) {
	s, err = OpenDir(dir)
	if err == nil {
		return s, s.Close, nil
	}
	if !errors.Is(err, ErrInUse) {
		return nil, nil, err
	}
	f, err := os.CreateTemp(dir, snapshotPattern)
	if err != nil {
		return nil, nil, fmt.Errorf("create snapshot file: %w", err)
	}
	path := f.Name()
	f.Close()
	os.Remove(path) // BackupDir creates it afresh, owner-only
	if _, err := BackupDir(dir, path); err != nil {
		return nil, nil, fmt.Errorf("take a snapshot of the running store: %w", err)
	}
	if s, err = Open(path); err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	return s, func() error {
		err := s.Close()
		if rerr := os.Remove(path); err == nil {
			err = rerr
		}
		return err
	}, nil
}
