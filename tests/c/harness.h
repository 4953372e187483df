/*
 * What the C test programs of every door (a primitive's C object: the
 * limiter, the breaker, ...) share, on top of checks.h:
 *
 *  - STATIC_ASSERT and ALIGNOF in C99, SENTINEL64 and SENTINEL32 (values no
 *    call writes, to prove out-pointers are left alone);
 *  - ODD_STORAGE and AT_OFFSET: storage for an object at any byte offset;
 *  - struct door: a door's C object as the shared checks see it, and those
 *    checks: NULL, misaligned, uninitialised and copied objects refused
 *    everywhere, config errors that leave the storage as it was, NULL
 *    pointers to init, configs read at any address;
 *  - permits_equal, for the failwell_permit_t that doors with permits issue;
 *  - run_threads: worker threads released together, for contention tests.
 *
 * A door's test program defines its check_refused_everywhere (every
 * function refuses the object, NULL included, with the status expected and
 * writes nothing) and check_fresh (an object just initialised answers as a
 * new one), names them in DEFINE_DOOR, and then calls the checks below.
 *
 * Needs POSIX threads: define _POSIX_C_SOURCE 200809L before any #include.
 */
#ifndef FAILWELL_TESTS_HARNESS_H
#define FAILWELL_TESTS_HARNESS_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "define _POSIX_C_SOURCE 200809L before any #include (harness.h uses pthread barriers)"
#endif

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failwell.h"

#include "checks.h"

/* _Static_assert is C11; GCC and Clang accept it in C99 as an extension. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#endif
#define ALIGNOF(type) (__extension__ _Alignof(type))

/* A value no call writes, to prove out-pointers are left alone. */
#define SENTINEL64 UINT64_C(0x0123456789abcdef)
#define SENTINEL32 UINT32_C(0x89abcdef)

/* ---- storage at odd addresses ----------------------------------------- */

/* Storage for a `type` at any offset up to 15 bytes: `.bytes + 8` is aligned. */
#define ODD_STORAGE(type)                       \
    union {                                     \
        type aligned;                           \
        unsigned char bytes[sizeof(type) + 16]; \
    }
/* The `type` at `offset` bytes into ODD_STORAGE `storage`: forming the
 * pointer only, which is fine at any offset as long as nothing reads it. */
#define AT_OFFSET(type, storage, offset) ((type *)(void *)((storage).bytes + (offset)))

/* ---- doors --------------------------------------------------------------- */

/* A door's C object as the shared checks see it. Failures of those checks
 * are reported in `file` (write __FILE__) at the caller's line. */
struct door {
    const char *file;
    size_t size;        /* sizeof its object */
    size_t config_size; /* sizeof its config */
    /* failwell_<door>_init(obj, config). */
    failwell_status_t (*init)(void *obj, const void *config);
    /* Checks that every function refuses `obj` (which may be NULL) with
     * `expected`, writing nothing. */
    void (*refused_everywhere)(void *obj, failwell_status_t expected, int line);
    /* Checks that `obj`, just initialised, answers as a new object does. */
    void (*fresh)(void *obj, int line);
};

/* Defines `name`, the struct door of `type` in this file: `init_fn` is its
 * failwell_<door>_init (taking a `config_type`), `refused_fn` and `fresh_fn`
 * its checks. */
#define DEFINE_DOOR(name, type, config_type, init_fn, refused_fn, fresh_fn)         \
    static failwell_status_t name##_init(void *obj, const void *config) {           \
        return init_fn((type *)obj, (const config_type *)config);                   \
    }                                                                               \
    static const struct door name = {__FILE__, sizeof(type), sizeof(config_type), \
                                     name##_init, refused_fn, fresh_fn}

/* As CHECK and CHECK_EQ, reported in the door's file at `line`. */
#define DOOR_CHECK(door, cond, line) check_true((cond) ? 1 : 0, #cond, (door)->file, line)
#define DOOR_CHECK_EQ(door, actual, expected, line)                        \
    check_eq((unsigned long long)(actual), (unsigned long long)(expected), \
             #actual " == " #expected, (door)->file, line)

/* Whether all `len` bytes at `p` are `value`. */
static inline int all_bytes(const void *p, unsigned char value, size_t len) {
    const unsigned char *bytes = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < len; i++) {
        if (bytes[i] != value) {
            return 0;
        }
    }
    return 1;
}

/* malloc, or abort: the checks need the memory. */
static inline void *must_malloc(size_t size) {
    void *p = malloc(size);
    if (p == NULL) {
        abort();
    }
    return p;
}

/* Initialises `obj`, filled with garbage first, with `config`, expecting
 * `expected`: on an error the storage must be left as it was (and so
 * refused everywhere as uninitialised); on success the object is fresh.
 * Returns the status init returned. */
static inline failwell_status_t check_init(const struct door *door, void *obj,
                                           const void *config, failwell_status_t expected,
                                           int line) {
    failwell_status_t status;

    memset(obj, 0xA5, door->size);
    status = door->init(obj, config);
    DOOR_CHECK_EQ(door, status, expected, line);
    if (expected != FAILWELL_OK) {
        DOOR_CHECK(door, all_bytes(obj, 0xA5, door->size), line);
        door->refused_everywhere(obj, FAILWELL_UNINITIALIZED, line);
    } else {
        door->fresh(obj, line);
    }
    return status;
}

/* NULL pointers to init: no object, no config, or neither. `obj` is
 * zeroed and, refused its config, stays uninitialised. */
static inline void check_init_pointers(const struct door *door, void *obj, const void *good,
                                       int line) {
    DOOR_CHECK_EQ(door, door->init(NULL, good), FAILWELL_NULL_POINTER, line);
    DOOR_CHECK_EQ(door, door->init(NULL, NULL), FAILWELL_NULL_POINTER, line);
    memset(obj, 0, door->size);
    DOOR_CHECK_EQ(door, door->init(obj, NULL), FAILWELL_NULL_POINTER, line);
    door->refused_everywhere(obj, FAILWELL_UNINITIALIZED, line);
}

/* A failed re-init of the working object `obj` (no config, or `bad`, which
 * init refuses with `expected`) leaves it byte for byte as it was. */
static inline void check_reinit_refused(const struct door *door, void *obj, const void *bad,
                                        failwell_status_t expected, int line) {
    unsigned char *before = (unsigned char *)must_malloc(door->size);

    memcpy(before, obj, door->size);
    DOOR_CHECK_EQ(door, door->init(obj, NULL), FAILWELL_NULL_POINTER, line);
    DOOR_CHECK_EQ(door, door->init(obj, bad), expected, line);
    DOOR_CHECK(door, memcmp(before, obj, door->size) == 0, line);
    free(before);
}

/* Initialises `obj` from a copy of `config` at `offset` bytes into an
 * allocation that ends where the config does: init reads the config
 * unaligned, and reads nothing after it. Returns what init returned. */
static inline failwell_status_t init_with_config_at(const struct door *door, void *obj,
                                                    const void *config, size_t offset) {
    unsigned char *bytes = (unsigned char *)must_malloc(offset + door->config_size);
    failwell_status_t status;

    memcpy(bytes + offset, config, door->config_size);
    status = door->init(obj, bytes + offset);
    free(bytes);
    return status;
}

/* At every misaligned offset into `bytes` (ODD_STORAGE's, `len` bytes,
 * filled with 0x5A), init with `good` is refused as misaligned, and so is
 * every other call, and none writes a byte. Then it initialises the object
 * 8 bytes in, aligned, and checks it is fresh: the caller may go on using
 * it there. */
static inline void check_misaligned(const struct door *door, const void *good,
                                    unsigned char *bytes, size_t len, int line) {
    static const size_t offsets[] = {1, 2, 3, 4, 5, 7, 9, 12, 15};
    size_t i;

    DOOR_CHECK(door, len >= door->size + 16, line);
    if (len < door->size + 16) {
        return;
    }
    for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        void *obj = bytes + offsets[i];
        memset(bytes, 0x5A, len);
        DOOR_CHECK_EQ(door, door->init(obj, good), FAILWELL_MISALIGNED, line);
        DOOR_CHECK(door, all_bytes(bytes, 0x5A, len), line);
        door->refused_everywhere(obj, FAILWELL_MISALIGNED, line);
        DOOR_CHECK(door, all_bytes(bytes, 0x5A, len), line);
    }
    DOOR_CHECK_EQ(door, door->init(bytes + 8, good), FAILWELL_OK, line);
    door->fresh(bytes + 8, line);
}

/* `obj` zeroed, filled with 0xA5 and with 0xFF, and `zeroed_static` (a
 * static object: zeroed, never initialised) are refused everywhere as
 * uninitialised. Then it initialises `zeroed_static` with `good` and checks
 * it is fresh: the caller may go on using it. */
static inline void check_uninitialised(const struct door *door, void *obj, void *zeroed_static,
                                       const void *good, int line) {
    static const unsigned char fills[] = {0x00, 0xA5, 0xFF};
    size_t i;

    for (i = 0; i < sizeof fills; i++) {
        memset(obj, fills[i], door->size);
        door->refused_everywhere(obj, FAILWELL_UNINITIALIZED, line);
    }
    door->refused_everywhere(zeroed_static, FAILWELL_UNINITIALIZED, line);
    DOOR_CHECK_EQ(door, door->init(zeroed_static, good), FAILWELL_OK, line);
    door->fresh(zeroed_static, line);
}

/* An object is bound to its address: copies of the initialised `original`
 * are refused everywhere as uninitialised. `copy` receives a memcpy,
 * `assigned` already holds a struct assignment (`assigned = original`),
 * `moved` (another aligned address) receives a memcpy. */
static inline void check_copies_refused(const struct door *door, const void *original,
                                        void *copy, void *assigned, void *moved, int line) {
    memcpy(copy, original, door->size);
    door->refused_everywhere(copy, FAILWELL_UNINITIALIZED, line);
    door->refused_everywhere(assigned, FAILWELL_UNINITIALIZED, line);
    memcpy(moved, original, door->size);
    door->refused_everywhere(moved, FAILWELL_UNINITIALIZED, line);
}

/* check_copies_refused with the copies on the stack: `type` is the door's
 * object type, `original` points to an initialised one. */
#define CHECK_COPIES_REFUSED(door, type, original)                                  \
    do {                                                                            \
        type copy_;                                                                 \
        type assigned_;                                                             \
        ODD_STORAGE(type) moved_;                                                   \
        assigned_ = *(original);                                                    \
        check_copies_refused((door), (original), &copy_, &assigned_,                \
                             AT_OFFSET(type, moved_, 8), __LINE__);                 \
    } while (0)

/* ---- permits ------------------------------------------------------------- */

/* Whether two permits (every door with permits issues failwell_permit_t)
 * are the same, field by field. */
static inline int permits_equal(const failwell_permit_t *a, const failwell_permit_t *b) {
    return a->acquired_at == b->acquired_at && a->ticket == b->ticket && a->check == b->check;
}

/* ---- threads --------------------------------------------------------------- */

#define RUN_THREADS_MAX 16

struct run_threads_start {
    pthread_barrier_t *barrier;
    void (*body)(void *arg);
    void *arg;
};

static inline void *run_threads_main(void *arg) {
    const struct run_threads_start *start = (const struct run_threads_start *)arg;
    pthread_barrier_wait(start->barrier);
    start->body(start->arg);
    return NULL;
}

/* Runs `body` on `count` threads (at most RUN_THREADS_MAX), the i-th with
 * `(char *)args + i * stride`, all released together from a barrier once
 * every one has started, and joins them. Checks that every thread started;
 * if one did not, the barrier would never open, so the program reports and
 * exits there. */
static inline void run_threads(void (*body)(void *arg), void *args, size_t stride,
                               size_t count) {
    pthread_t threads[RUN_THREADS_MAX];
    struct run_threads_start starts[RUN_THREADS_MAX];
    pthread_barrier_t barrier;
    int status;
    size_t i;

    CHECK(count <= RUN_THREADS_MAX);
    if (count > RUN_THREADS_MAX) {
        return;
    }
    status = pthread_barrier_init(&barrier, NULL, (unsigned)count);
    CHECK_EQ(status, 0);
    if (status != 0) {
        return;
    }
    for (i = 0; i < count; i++) {
        starts[i].barrier = &barrier;
        starts[i].body = body;
        starts[i].arg = (char *)args + i * stride;
        status = pthread_create(&threads[i], NULL, run_threads_main, &starts[i]);
        CHECK_EQ(status, 0);
        if (status != 0) {
            exit(checks_report());
        }
    }
    for (i = 0; i < count; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_barrier_destroy(&barrier);
}

#endif /* FAILWELL_TESTS_HARNESS_H */
