package storage

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// UploadStatus is where an upload session stands.
type UploadStatus struct {
	ID      string
	Size    int64
	Started time.Time
}

// uploadState is the record at _uploads/<id>. The hash state travels with
// it, so any process sharing the storage can take the next chunk and the
// digest is computed once, as the bytes stream in.
type uploadState struct {
	Repo      string           `json:"repo"`
	Algorithm digest.Algorithm `json:"algorithm"`
	Declared  bool             `json:"declared"` // the client chose the algorithm (digest-algorithm)
	Size      int64            `json:"size"`
	Hash      []byte           `json:"hash"` // hash.Hash state, encoding.BinaryMarshaler
	Started   time.Time        `json:"started"`
}

var uploadIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// copyBuffers are the buffers bodies stream through: large enough that a
// disk write and a hash update each see big slices, shared so that uploads
// in flight cost one buffer each.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// StartUpload opens an upload session in repository name. alg is the
// digest algorithm the client declared, or "" for sha256 by default.
func (s *Store) StartUpload(ctx context.Context, name string, alg digest.Algorithm) (UploadStatus, error) {
	st := uploadState{Repo: name, Algorithm: alg, Declared: alg != "", Started: time.Now().UTC()}
	if alg == "" {
		st.Algorithm = digest.SHA256
	}
	up, err := s.d.Upload(ctx, "")
	if err != nil {
		return UploadStatus{}, err
	}
	if err := up.Close(); err != nil {
		return UploadStatus{}, err
	}
	h := newHash(st.Algorithm)
	if err := s.saveUpload(ctx, up.ID(), &st, h); err != nil {
		return UploadStatus{}, errors.Join(err, cancelUpload(ctx, s.d, up.ID()))
	}
	return UploadStatus{ID: up.ID(), Started: st.Started}, nil
}

// GetUpload reports the progress of upload id in repository name.
func (s *Store) GetUpload(ctx context.Context, name, id string) (UploadStatus, error) {
	st, err := s.loadUpload(ctx, name, id)
	if err != nil {
		return UploadStatus{}, err
	}
	return UploadStatus{ID: id, Size: st.Size, Started: st.Started}, nil
}

// WriteUpload appends r to upload id. offset is where the client says the
// chunk starts (Content-Range), or -1 for a streamed chunk; a chunk that does
// not start where the upload ends is ErrRangeInvalid. What was received is
// kept even when r fails half-way, so the client can ask and resume.
func (s *Store) WriteUpload(ctx context.Context, name, id string, offset int64, r io.Reader) (UploadStatus, error) {
	ses, err := s.resume(ctx, name, id, offset)
	if err != nil {
		return UploadStatus{}, err
	}
	_, copyErr := ses.write(r)
	if err := ses.save(ctx, s); err != nil {
		return UploadStatus{}, errors.Join(copyErr, err)
	}
	return UploadStatus{ID: id, Size: ses.st.Size, Started: ses.st.Started}, copyErr
}

// FinishUpload appends r (nil when there is no last chunk) and publishes the
// blob if its digest is want. On a digest mismatch the session is discarded
// and nothing is published.
func (s *Store) FinishUpload(ctx context.Context, name, id string, offset int64, r io.Reader, want digest.Digest) (BlobInfo, error) {
	ses, err := s.resume(ctx, name, id, offset)
	if err != nil {
		return BlobInfo{}, err
	}
	if r != nil {
		if _, err := ses.write(r); err != nil {
			return BlobInfo{}, errors.Join(err, ses.save(ctx, s))
		}
	}
	info, err := s.publish(ctx, name, ses.up, ses.st, ses.h, want)
	if err != nil && !errors.Is(err, ErrDigestInvalid) {
		return info, err
	}
	return info, errors.Join(err, s.d.Delete(ctx, uploadKey(id)))
}

// CancelUpload discards upload id and everything it staged.
func (s *Store) CancelUpload(ctx context.Context, name, id string) error {
	if _, err := s.loadUpload(ctx, name, id); err != nil {
		return err
	}
	if err := cancelUpload(ctx, s.d, id); err != nil {
		return err
	}
	return s.d.Delete(ctx, uploadKey(id))
}

// PutBlob stores r as one blob in repository name if its digest is want:
// the single-request upload (POST ?digest=). Nothing is kept on failure.
func (s *Store) PutBlob(ctx context.Context, name string, r io.Reader, want digest.Digest) (BlobInfo, error) {
	up, err := s.d.Upload(ctx, "")
	if err != nil {
		return BlobInfo{}, err
	}
	st := &uploadState{Repo: name, Algorithm: want.Algorithm(), Declared: true}
	ses := &session{up: up, st: st, h: newHash(st.Algorithm)}
	if _, err := ses.write(r); err != nil {
		return BlobInfo{}, errors.Join(err, up.Cancel(ctx))
	}
	return s.publish(ctx, name, up, st, ses.h, want)
}

// session is one request's hold on an upload.
type session struct {
	id string
	up Upload
	st *uploadState
	h  hash.Hash
}

func (ses *session) write(r io.Reader) (int64, error) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	n, err := io.CopyBuffer(io.MultiWriter(ses.up, ses.h), r, *buf)
	ses.st.Size += n
	return n, err
}

// save persists the driver's progress, then the record that describes it.
//
// The record is written while the session still holds the upload, so the
// next session, which reads the record only once it holds the upload,
// always finds the record that goes with the data. Should the process die
// between the two, the sizes disagree and resume refuses the upload.
func (ses *session) save(ctx context.Context, s *Store) error {
	if err := s.saveUpload(ctx, ses.id, ses.st, ses.h); err != nil {
		return errors.Join(err, ses.up.Close())
	}
	return ses.up.Close()
}

// resume takes hold of upload id, then reads its record: in that order, so
// that no other session can change either in between.
func (s *Store) resume(ctx context.Context, name, id string, offset int64) (*session, error) {
	if !uploadIDRE.MatchString(id) {
		return nil, fmt.Errorf("%w: %q", ErrBlobUploadUnknown, id)
	}
	up, err := s.d.Upload(ctx, id)
	if err != nil {
		return nil, notFound(err, ErrBlobUploadUnknown, id)
	}
	ses, err := s.attach(ctx, name, id, offset, up)
	if err != nil {
		return nil, errors.Join(err, up.Close())
	}
	return ses, nil
}

// attach checks the held upload against its record and the client's offset.
func (s *Store) attach(ctx context.Context, name, id string, offset int64, up Upload) (*session, error) {
	st, err := s.loadUpload(ctx, name, id)
	if err != nil {
		return nil, err
	}
	if up.Size() != st.Size {
		// A crash between the data and its record: the bytes past the
		// record were never hashed, so the session cannot go on.
		return nil, fmt.Errorf("%w: upload %s holds %d bytes, its record %d; start again", ErrBlobUploadInvalid, id, up.Size(), st.Size)
	}
	if offset >= 0 && offset != st.Size {
		return nil, fmt.Errorf("%w: chunk starts at %d, upload has %d bytes", ErrRangeInvalid, offset, st.Size)
	}
	h := newHash(st.Algorithm)
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st.Hash); err != nil {
		return nil, fmt.Errorf("%w: hash state of upload %s: %v", ErrBlobUploadInvalid, id, err)
	}
	return &session{id: id, up: up, st: st, h: h}, nil
}

func (s *Store) loadUpload(ctx context.Context, name, id string) (*uploadState, error) {
	if !uploadIDRE.MatchString(id) {
		return nil, fmt.Errorf("%w: %q", ErrBlobUploadUnknown, id)
	}
	data, err := s.get(ctx, uploadKey(id))
	if err != nil {
		return nil, notFound(err, ErrBlobUploadUnknown, id)
	}
	var st uploadState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%w: record of upload %s: %v", ErrBlobUploadInvalid, id, err)
	}
	if st.Repo != name {
		return nil, fmt.Errorf("%w: %s in %s", ErrBlobUploadUnknown, id, name)
	}
	return &st, nil
}

func (s *Store) saveUpload(ctx context.Context, id string, st *uploadState, h hash.Hash) error {
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return fmt.Errorf("saving hash state: %w", err)
	}
	st.Hash = state
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.d.Put(ctx, uploadKey(id), data)
}

func cancelUpload(ctx context.Context, d Driver, id string) error {
	up, err := d.Upload(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return up.Cancel(ctx)
}

// maxRecordSize bounds what get reads: the largest value it is used for
// is a manifest's content.
const maxRecordSize = MaxManifestSize

// get reads a small record whole. Values are replaced whole, never
// changed in place, so the size Open reports is the size read: one read
// into a buffer of that size, where io.ReadAll grows its buffer and reads
// again until EOF.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	r, info, err := s.d.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if info.Size < 0 || info.Size > maxRecordSize {
		return nil, fmt.Errorf("%s: %d bytes is not a record", key, info.Size)
	}
	buf := make([]byte, info.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return buf, nil
}
