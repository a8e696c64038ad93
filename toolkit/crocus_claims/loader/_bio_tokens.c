/* The default tokenizer's token columns and the tagging on them, compiled (loader/bio.py:
 * regex_token_columns, tag_tiled and tag_layers, which this computes exactly, and which run
 * wherever this module was not built).
 *
 * token_columns(text) -> (tokens, starts, ends): the matches of bio.TOKEN,
 * \w+(?:[-.,]\w+)*|[^\w\s], as three lists (str, and offsets in code points). \w and \s are the
 * regular expression module's for str patterns: Py_UNICODE_ISALNUM or "_", and Py_UNICODE_ISSPACE.
 * The pattern needs no backtracking: a separator joins two words only when a word character
 * follows it. Offsets below OFFSETS_SHARED are shared int objects (an int is immutable), and a
 * token seen recently is the same str object again (recent_tokens), so a document costs few
 * allocations. tag_tiled and tag_layered (below) tag the spans on these tokens.
 * tests/test_loader_bio.py compares each function with its Python twin on generated texts and
 * spans of every shape.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define ABI 2 /* bio.py uses this module only when it says the same: a stale build is left out */
#define OFFSETS_SHARED 65536

static unsigned char ascii_word[128], ascii_space[128];
static PyObject *shared_offsets[OFFSETS_SHARED];
static PyObject *outside, *no_token_kind, *overlap_kind, *off_boundary_kind, *no_token_message;
static PyObject *span_fields[4]; /* "start", "end", "label", "id": read in bio.span_order's order */

static inline int is_word(Py_UCS4 c)
{
    return c < 128 ? ascii_word[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
}

static inline int is_space(Py_UCS4 c)
{
    return c < 128 ? ascii_space[c] : Py_UNICODE_ISSPACE(c);
}

/* A new reference to the int `value` (>= 0). */
static PyObject *offset(Py_ssize_t value)
{
    if (value >= OFFSETS_SHARED)
        return PyLong_FromSsize_t(value);
    if (shared_offsets[value] == NULL && (shared_offsets[value] = PyLong_FromSsize_t(value)) == NULL)
        return NULL;
    Py_INCREF(shared_offsets[value]);
    return shared_offsets[value];
}

/* The tokens' start and end offsets and the hash of their characters (token_at's), in order: a
 * buffer on the stack, then on the heap. */
#define LOCAL_TOKENS 1024
#define FIELDS 3
typedef struct {
    Py_ssize_t *bounds; /* start, end, hash, start, end, hash, ... */
    Py_ssize_t count, capacity;
    Py_ssize_t local[FIELDS * LOCAL_TOKENS];
} Tokens;

/* Adds a token's bounds and hash; -1 when memory ran out. */
static int add_token(Tokens *tokens, Py_ssize_t start, Py_ssize_t end, Py_uhash_t hash)
{
    if (tokens->count == tokens->capacity) {
        Py_ssize_t capacity = tokens->capacity * 2;
        size_t size = FIELDS * capacity * sizeof(Py_ssize_t);
        int on_stack = tokens->bounds == tokens->local;
        Py_ssize_t *bounds = on_stack ? PyMem_Malloc(size) : PyMem_Realloc(tokens->bounds, size);
        if (bounds == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (on_stack)
            memcpy(bounds, tokens->local, sizeof(tokens->local));
        tokens->bounds = bounds;
        tokens->capacity = capacity;
    }
    tokens->bounds[FIELDS * tokens->count] = start;
    tokens->bounds[FIELDS * tokens->count + 1] = end;
    tokens->bounds[FIELDS * tokens->count + 2] = (Py_ssize_t)hash;
    tokens->count++;
    return 0;
}

#define HASH_START 2166136261u /* FNV-1a's constants, on code points, in a Py_uhash_t */
#define HASH(hash, c) (((hash) ^ (c)) * 16777619u)

/* The matches of the pattern in the text of this `kind` (one of PyUnicode's), found once per
 * kind so that the compiler reads each kind's characters directly, each with its hash. */
static Py_ALWAYS_INLINE inline int scan(int kind, const void *data, Py_ssize_t length, Tokens *tokens)
{
    Py_ssize_t i = 0;
    while (i < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t end = i + 1;
        Py_uhash_t hash = HASH(HASH_START, c);
        if (is_word(c)) {
            for (;;) {
                Py_UCS4 next;
                while (end < length && is_word(next = PyUnicode_READ(kind, data, end))) {
                    hash = HASH(hash, next);
                    end++;
                }
                if (end + 1 < length) {
                    Py_UCS4 separator = PyUnicode_READ(kind, data, end);
                    if ((separator == '-' || separator == '.' || separator == ',')
                        && is_word(next = PyUnicode_READ(kind, data, end + 1))) {
                        hash = HASH(HASH(hash, separator), next);
                        end += 2;
                        continue;
                    }
                }
                break;
            }
        }
        else if (is_space(c)) {
            i++;
            continue;
        }
        if (add_token(tokens, i, end, hash) < 0)
            return -1;
        i = end;
    }
    return 0;
}

/* Recent tokens, by a hash of their characters: a token seen again (most words of a text are)
 * is the same str object, not a new one; a slot holds the last token hashed to it. */
#define RECENT_TOKENS 4096 /* a power of two */
#define RECENT_LENGTH 16   /* the longest token kept */
static PyObject *recent_tokens[RECENT_TOKENS];

/* True when the str `token` has the `length` characters at `start` of a text's `data` of `kind`. */
static int same_characters(PyObject *token, int kind, const void *data, Py_ssize_t start,
                           Py_ssize_t length)
{
    if (PyUnicode_GET_LENGTH(token) != length)
        return 0;
    int token_kind = PyUnicode_KIND(token);
    const void *token_data = PyUnicode_DATA(token);
    if (token_kind == kind)
        return memcmp(token_data, (const char *)data + start * kind, length * kind) == 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if (PyUnicode_READ(token_kind, token_data, i) != PyUnicode_READ(kind, data, start + i))
            return 0;
    return 1;
}

/* A new reference to the token text[start:end] (the text's characters are `data`, of `kind`;
 * `hash` is theirs, from scan), a recent one when it was seen. */
static PyObject *token_at(PyObject *text, int kind, const void *data, Py_ssize_t start,
                          Py_ssize_t end, Py_uhash_t hash)
{
    Py_ssize_t length = end - start;
    if (length < 2 || length > RECENT_LENGTH)
        return PyUnicode_Substring(text, start, end); /* (one character up to U+00FF: a str CPython shares) */
    PyObject **slot = &recent_tokens[hash & (RECENT_TOKENS - 1)];
    if (*slot != NULL && same_characters(*slot, kind, data, start, length))
        return Py_NewRef(*slot);
    PyObject *token = PyUnicode_Substring(text, start, end);
    if (token != NULL)
        Py_XSETREF(*slot, Py_NewRef(token));
    return token;
}

/* The three columns of the tokens found, each a list of their exact length. */
static PyObject *columns(PyObject *text, const Tokens *found)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *tokens = PyList_New(found->count), *starts = PyList_New(found->count),
             *ends = PyList_New(found->count);
    if (tokens == NULL || starts == NULL || ends == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < found->count; i++) {
        Py_ssize_t start = found->bounds[FIELDS * i], end = found->bounds[FIELDS * i + 1];
        Py_uhash_t hash = (Py_uhash_t)found->bounds[FIELDS * i + 2];
        PyObject *token, *first, *stop; /* an item left NULL in a new list is freed with it */
        if ((token = token_at(text, kind, data, start, end, hash)) == NULL)
            goto fail;
        PyList_SET_ITEM(tokens, i, token);
        if ((first = offset(start)) == NULL)
            goto fail;
        PyList_SET_ITEM(starts, i, first);
        if ((stop = offset(end)) == NULL)
            goto fail;
        PyList_SET_ITEM(ends, i, stop);
    }
    return Py_BuildValue("(NNN)", tokens, starts, ends);
fail:
    Py_XDECREF(tokens);
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    return NULL;
}

static PyObject *token_columns(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "token_columns takes a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) /* a str made by the old C API (every str is ready since 3.12) */
        return NULL;
#endif
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    Tokens found;
    found.bounds = found.local;
    found.count = 0;
    found.capacity = LOCAL_TOKENS;
    int scanned;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        scanned = scan(PyUnicode_1BYTE_KIND, data, length, &found);
        break;
    case PyUnicode_2BYTE_KIND:
        scanned = scan(PyUnicode_2BYTE_KIND, data, length, &found);
        break;
    default:
        scanned = scan(PyUnicode_4BYTE_KIND, data, length, &found);
    }
    PyObject *result = scanned < 0 ? NULL : columns(text, &found);
    if (found.bounds != found.local)
        PyMem_Free(found.bounds);
    return result;
}

/* tag_tiled(doc_id, starts, ends, spans, label_tags, issue) -> (tags, issues), or None
 *
 * bio.tag_tiled's tags and issues, built alike: `issue` is called as bio.no_token, bio.overlap and
 * bio.off_boundary call it (AlignmentIssue), with the same messages. `label_tags` maps a label to
 * its (B-, I-) tags; a label missing from it is added. None (CANNOT) when the input is not what
 * the rule can read here, so that bio.tag_tiled tags the document, with its own result or
 * exception: token offsets that are not two lists of one length of ints of Py_ssize_t, a span
 * whose offsets are not such ints or whose label or id is not a str, a span that cannot be read
 * (its exception, an Exception, is cleared). */
#define CANNOT 1 /* a function's result (or -2 for an index) when the rule is left to Python */

typedef struct {
    PyObject *id, *label, *start_object, *end_object; /* new references */
    Py_ssize_t start, end, order, layer; /* layer: the index of the label in tag_layered's labels */
} Span;

/* Leftmost first, then longest, then by label and id (bio.span_order); sorted's stability last. */
static int span_order(const void *a, const void *b)
{
    const Span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    int order = PyUnicode_Compare(x->label, y->label);
    if (order == 0)
        order = PyUnicode_Compare(x->id, y->id);
    if (order == 0)
        order = x->order < y->order ? -1 : x->order > y->order;
    return order;
}

static void release_spans(Span *spans, Py_ssize_t count)
{
    if (spans == NULL)
        return;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_XDECREF(spans[i].id);
        Py_XDECREF(spans[i].label);
        Py_XDECREF(spans[i].start_object);
        Py_XDECREF(spans[i].end_object);
    }
    PyMem_Free(spans);
}

/* CANNOT, clearing the exception, when it is an Exception (Python runs the rule again and raises
 * its own); -1, keeping it, for the others (KeyboardInterrupt, SystemExit). */
static int cannot_or_error(void)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception))
        return -1;
    PyErr_Clear();
    return CANNOT;
}

/* Reads an exact int of Py_ssize_t into *value: 0, or CANNOT. */
static int read_offset(PyObject *object, Py_ssize_t *value)
{
    if (!PyLong_CheckExact(object))
        return CANNOT;
    *value = PyLong_AsSsize_t(object);
    return *value == -1 && PyErr_Occurred() ? cannot_or_error() : 0; /* an OverflowError */
}

/* Reads a span's fields (in bio.span_order's order); 0 when read, CANNOT, or -1 on an error. */
static int read_span(PyObject *object, Py_ssize_t order, Span *span)
{
    PyObject **fields[4] = {&span->start_object, &span->end_object, &span->label, &span->id};
    for (int i = 0; i < 4; i++)
        if ((*fields[i] = PyObject_GetAttr(object, span_fields[i])) == NULL)
            return cannot_or_error();
    span->order = order;
    if (!PyUnicode_CheckExact(span->id) || !PyUnicode_CheckExact(span->label))
        return CANNOT;
    int state = read_offset(span->start_object, &span->start);
    return state != 0 ? state : read_offset(span->end_object, &span->end);
}

#define CANNOT_INDEX (-2)

/* bisect.bisect_right(offsets, value) when `right`, else bisect_left: an index, or CANNOT_INDEX
 * when an offset read is not an int of Py_ssize_t, or -1 on an error. */
static Py_ssize_t bisect(PyObject *offsets, Py_ssize_t value, int right)
{
    Py_ssize_t low = 0, high = PyList_GET_SIZE(offsets);
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2, item;
        int state = read_offset(PyList_GET_ITEM(offsets, middle), &item);
        if (state != 0)
            return state < 0 ? -1 : CANNOT_INDEX;
        if (right ? value < item : value <= item)
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

/* The (B-, I-) tags of `label` (borrowed from `label_tags`, added there when missing). */
static PyObject *tags_of(PyObject *label_tags, PyObject *label)
{
    PyObject *pair = PyDict_GetItemWithError(label_tags, label);
    if (pair != NULL || PyErr_Occurred()) {
        if (pair != NULL && !(PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2)) {
            PyErr_SetString(PyExc_TypeError, "label_tags maps a label to a (B-, I-) tuple");
            return NULL;
        }
        return pair;
    }
    pair = Py_BuildValue("(NN)", PyUnicode_FromFormat("B-%U", label), PyUnicode_FromFormat("I-%U", label));
    if (pair == NULL || PyDict_SetItem(label_tags, label, pair) < 0) {
        Py_XDECREF(pair);
        return NULL;
    }
    Py_DECREF(pair); /* the dict holds it */
    return pair;
}

/* Calls `issue` for `span` and appends the result to `issues`; steals `message`; -1 on an error. */
static int add_issue(PyObject *issue, PyObject *doc_id, const Span *span, PyObject *kind, PyObject *message,
                     PyObject *holder, PyObject *issues)
{
    if (message == NULL)
        return -1;
    PyObject *args[8] = {doc_id, span->id, span->label, span->start_object, span->end_object, kind, message,
                         holder};
    PyObject *found = PyObject_Vectorcall(issue, args, holder == NULL ? 7 : 8, NULL);
    Py_DECREF(message);
    int failed = found == NULL || PyList_Append(issues, found) < 0;
    Py_XDECREF(found);
    return failed ? -1 : 0;
}

/* Sets tags[first:stop] to the span's B- then I- tags. */
static void tag_tokens(PyObject *tags, PyObject *pair, Py_ssize_t first, Py_ssize_t stop)
{
    for (Py_ssize_t i = first; i < stop; i++) {
        PyObject *tag = PyTuple_GET_ITEM(pair, i == first ? 0 : 1);
        Py_INCREF(tag);
        PyList_SetItem(tags, i, tag); /* in range: the caller checked */
    }
}

/* The spans of `span_list`, read and sorted (bio.span_order) into `*spans` (to be given to
 * release_spans with `*count`): 0 when read, CANNOT, or -1 on an error. */
static int read_spans(PyObject *span_list, Span **spans, Py_ssize_t *count)
{
    *spans = NULL;
    *count = 0;
    PyObject *sequence = PySequence_Tuple(span_list); /* a copy: reading a span may run Python code */
    if (sequence == NULL)
        return cannot_or_error();
    Py_ssize_t size = PyTuple_GET_SIZE(sequence);
    int state = 0;
    if ((*spans = PyMem_Calloc(size ? size : 1, sizeof(Span))) == NULL) {
        PyErr_NoMemory();
        state = -1;
    }
    while (state == 0 && *count < size) {
        state = read_span(PyTuple_GET_ITEM(sequence, *count), *count, &(*spans)[*count]);
        ++*count;
    }
    Py_DECREF(sequence);
    if (state == 0)
        qsort(*spans, size, sizeof(Span), span_order);
    return state;
}

/* A new list of `tokens` tags, every one O. */
static PyObject *outside_tags(Py_ssize_t tokens)
{
    PyObject *tags = PyList_New(tokens);
    for (Py_ssize_t i = 0; tags != NULL && i < tokens; i++)
        PyList_SET_ITEM(tags, i, Py_NewRef(outside));
    return tags;
}

/* bio.tag_tiled on the sorted `spans` of `layer` (-1: every span): sets their tags in `tags`
 * (len(starts) of them) and appends their issues to `issues`; 0, CANNOT, or -1 on an error. */
static int tag_layer(PyObject *doc_id, PyObject *starts, PyObject *ends, const Span *spans,
                     Py_ssize_t count, Py_ssize_t layer, PyObject *label_tags, PyObject *issue,
                     PyObject *tags, PyObject *issues)
{
    Py_ssize_t tokens = PyList_GET_SIZE(tags), held_stop = 0;
    PyObject *held_by = NULL; /* the id of the last span tagged (borrowed from its Span) */
    for (Py_ssize_t i = 0; i < count; i++) {
        const Span *span = &spans[i];
        if (layer >= 0 && span->layer != layer)
            continue;
        if (PyList_GET_SIZE(starts) != tokens || PyList_GET_SIZE(ends) != tokens) {
            PyErr_SetString(PyExc_RuntimeError, "the token offsets changed while tagging");
            return -1;
        }
        Py_ssize_t first = bisect(ends, span->start, 1), stop = bisect(starts, span->end, 0);
        if (first == -1 || stop == -1)
            return -1;
        if (first == CANNOT_INDEX || stop == CANNOT_INDEX)
            return CANNOT;
        if (first >= stop) {
            if (add_issue(issue, doc_id, span, no_token_kind, Py_NewRef(no_token_message), NULL, issues) < 0)
                return -1;
            continue;
        }
        if (first < held_stop) {
            PyObject *message = PyUnicode_FromFormat("overlaps span %U, which holds its tokens: not tagged",
                                                     held_by);
            if (add_issue(issue, doc_id, span, overlap_kind, message, held_by, issues) < 0)
                return -1;
            continue;
        }
        Py_ssize_t last = stop - 1, token_start, token_end;
        int state = read_offset(PyList_GET_ITEM(starts, first), &token_start);
        if (state != 0 || (state = read_offset(PyList_GET_ITEM(ends, last), &token_end)) != 0)
            return state;
        if (token_start != span->start || token_end != span->end) {
            PyObject *message = PyUnicode_FromFormat("tagged as tokens %zd-%zd, characters %zd-%zd", first,
                                                     last, token_start, token_end);
            if (add_issue(issue, doc_id, span, off_boundary_kind, message, NULL, issues) < 0)
                return -1;
        }
        PyObject *pair = tags_of(label_tags, span->label);
        if (pair == NULL)
            return -1;
        tag_tokens(tags, pair, first, stop);
        held_stop = stop;
        held_by = span->id;
    }
    return 0;
}

/* 0 when the call has its `expected` arguments (doc_id, starts, ends, spans, ..., label_tags,
 * issue), with the token offsets two lists of one length and label_tags a dict; CANNOT for other
 * offsets; -1 with a TypeError that gives the `usage` otherwise. */
static int check_arguments(const char *usage, PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs != expected || !PyDict_CheckExact(args[expected - 2])) {
        PyErr_Format(PyExc_TypeError, "%s, label_tags a dict", usage);
        return -1;
    }
    PyObject *starts = args[1], *ends = args[2];
    int lists = PyList_CheckExact(starts) && PyList_CheckExact(ends);
    return lists && PyList_GET_SIZE(starts) == PyList_GET_SIZE(ends) ? 0 : CANNOT;
}

/* The result of a call that ended in `state`: `result` when 0 (a new reference, or NULL on an
 * error), None when CANNOT, NULL on an error. */
static PyObject *result_of(int state, PyObject *result)
{
    if (state == 0)
        return result;
    Py_XDECREF(result);
    return state == CANNOT ? Py_NewRef(Py_None) : NULL;
}

/* The index of the first str equal to `label` in the list `labels`; -1 when none is. */
static Py_ssize_t index_of(PyObject *label, PyObject *labels)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(labels); i++) {
        PyObject *other = PyList_GET_ITEM(labels, i);
        if (other == label || PyUnicode_Compare(other, label) == 0)
            return i;
    }
    return -1;
}

/* A copy of `labels` when it is a list of exact str (reading a span or calling `issue` may run
 * Python code that changes the caller's); NULL (CANNOT in *state), or NULL on an error. */
static PyObject *copy_labels(PyObject *labels, int *state)
{
    *state = PyList_CheckExact(labels) ? 0 : CANNOT;
    PyObject *copy = *state == 0 ? PyList_GetSlice(labels, 0, PY_SSIZE_T_MAX) : NULL;
    if (*state == 0 && copy == NULL)
        *state = -1;
    for (Py_ssize_t i = 0; copy != NULL && i < PyList_GET_SIZE(copy); i++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(copy, i))) {
            Py_CLEAR(copy);
            *state = CANNOT;
        }
    return copy;
}

/* A layer's tags for each label of `labels` (in the dict `layers`, in their order) and their
 * issues: 0, CANNOT, or -1 on an error. */
static int tag_layers(PyObject *doc_id, PyObject *starts, PyObject *ends, const Span *spans,
                      Py_ssize_t count, PyObject *labels, PyObject *label_tags, PyObject *issue,
                      PyObject *layers, PyObject *issues)
{
    int state = 0;
    for (Py_ssize_t i = 0; state == 0 && i < PyList_GET_SIZE(labels); i++) {
        PyObject *label = PyList_GET_ITEM(labels, i), *tags = outside_tags(PyList_GET_SIZE(starts));
        state = tags == NULL || PyDict_SetItem(layers, label, tags) < 0
                    ? -1
                    : tag_layer(doc_id, starts, ends, spans, count, index_of(label, labels), label_tags,
                                issue, tags, issues);
        Py_XDECREF(tags);
    }
    return state;
}

/* tag_tiled and tag_layered (`layered`: its labels are args[4], its tags a dict of lists). */
static PyObject *tag_document(PyObject *const *args, Py_ssize_t nargs, int layered)
{
    const char *usage = layered ? "tag_layered takes doc_id, starts, ends, spans, labels, label_tags, issue"
                                : "tag_tiled takes doc_id, starts, ends, spans, label_tags, issue";
    int state = check_arguments(usage, args, nargs, layered ? 7 : 6);
    PyObject *labels = state == 0 && layered ? copy_labels(args[4], &state) : NULL;
    if (state != 0)
        return result_of(state, NULL);
    PyObject *doc_id = args[0], *starts = args[1], *ends = args[2], *label_tags = args[nargs - 2],
             *issue = args[nargs - 1], *tags = NULL, *issues = NULL, *result = NULL;
    Span *spans;
    Py_ssize_t count;
    state = read_spans(args[3], &spans, &count);
    for (Py_ssize_t i = 0; layered && state == 0 && i < count; i++)
        if ((spans[i].layer = index_of(spans[i].label, labels)) < 0)
            state = CANNOT;
    if (state == 0 && ((tags = layered ? PyDict_New() : outside_tags(PyList_GET_SIZE(starts))) == NULL
                       || (issues = PyList_New(0)) == NULL))
        state = -1;
    if (state == 0)
        state = layered
                    ? tag_layers(doc_id, starts, ends, spans, count, labels, label_tags, issue, tags, issues)
                    : tag_layer(doc_id, starts, ends, spans, count, -1, label_tags, issue, tags, issues);
    if (state == 0)
        result = PyTuple_Pack(2, tags, issues);
    release_spans(spans, count);
    Py_XDECREF(labels);
    Py_XDECREF(tags);
    Py_XDECREF(issues);
    return result_of(state, result);
}

/* tag_tiled(doc_id, starts, ends, spans, label_tags, issue) -> (tags, issues), or None: above. */
static PyObject *tag_tiled(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return tag_document(args, nargs, 0);
}

/* tag_layered(doc_id, starts, ends, spans, labels, label_tags, issue) -> ({label: tags}, issues), or None
 *
 * bio.tag_layers with bio.tag_tiled: one tag list per label, in the order of the list `labels`,
 * and the issues label by label. None as tag_tiled's, and for labels that are not a list of str
 * or a span whose label is not one of them (bio.tag_layers' KeyError). */
static PyObject *tag_layered(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return tag_document(args, nargs, 1);
}

static PyMethodDef methods[] = {
    {"token_columns", token_columns, METH_O,
     "token_columns(text) -> (tokens, starts, ends): bio.regex_token_columns, compiled."},
    {"tag_tiled", (PyCFunction)(void (*)(void))tag_tiled, METH_FASTCALL,
     "tag_tiled(doc_id, starts, ends, spans, label_tags, issue) -> (tags, issues) or None: bio.tag_tiled."},
    {"tag_layered", (PyCFunction)(void (*)(void))tag_layered, METH_FASTCALL,
     "tag_layered(doc_id, starts, ends, spans, labels, label_tags, issue) -> ({label: tags}, issues) or None:"
     " bio.tag_layers with bio.tag_tiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_bio_tokens",
    .m_doc = "The default tokenizer's token columns and tagging, compiled (loader/bio.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__bio_tokens(void)
{
    for (int c = 0; c < 128; c++) {
        ascii_word[c] = Py_UNICODE_ISALNUM(c) || c == '_';
        ascii_space[c] = Py_UNICODE_ISSPACE(c);
    }
    if ((outside = PyUnicode_InternFromString("O")) == NULL
        || (no_token_kind = PyUnicode_InternFromString("no-token")) == NULL
        || (overlap_kind = PyUnicode_InternFromString("overlap")) == NULL
        || (off_boundary_kind = PyUnicode_InternFromString("not-on-token-boundary")) == NULL
        || (no_token_message = PyUnicode_InternFromString("covers no token: not tagged")) == NULL
        || (span_fields[0] = PyUnicode_InternFromString("start")) == NULL
        || (span_fields[1] = PyUnicode_InternFromString("end")) == NULL
        || (span_fields[2] = PyUnicode_InternFromString("label")) == NULL
        || (span_fields[3] = PyUnicode_InternFromString("id")) == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
