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
        return PyUnicode_Substring(text, start, end); /* (one character: a str CPython shares) */
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
        PyObject *token = token_at(text, kind, data, start, end, hash), *first = offset(start),
                 *stop = offset(end);
        /* a NULL item is allowed in a new list, and freed with it */
        PyList_SET_ITEM(tokens, i, token);
        PyList_SET_ITEM(starts, i, first);
        PyList_SET_ITEM(ends, i, stop);
        if (token == NULL || first == NULL || stop == NULL)
            goto fail;
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
 * its (B-, I-) tags; a label missing from it is added. None when a span is not what the rule
 * can read here (an offset that is not an int of Py_ssize_t, a label or id that is not a str):
 * bio.tag_tiled then tags the document. */

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

/* Reads a span's fields; 0 when read, 1 when the rule cannot be run here, -1 on an error. */
static int read_span(PyObject *object, Py_ssize_t order, Span *span)
{
    static PyObject *names[4];
    static const char *strings[4] = {"id", "label", "start", "end"};
    PyObject **fields[4] = {&span->id, &span->label, &span->start_object, &span->end_object};
    for (int i = 0; i < 4; i++) {
        if (names[i] == NULL && (names[i] = PyUnicode_InternFromString(strings[i])) == NULL)
            return -1;
        if ((*fields[i] = PyObject_GetAttr(object, names[i])) == NULL)
            return -1;
    }
    span->order = order;
    if (!PyUnicode_CheckExact(span->id) || !PyUnicode_CheckExact(span->label)
        || !PyLong_CheckExact(span->start_object) || !PyLong_CheckExact(span->end_object))
        return 1;
    span->start = PyLong_AsSsize_t(span->start_object);
    span->end = PyLong_AsSsize_t(span->end_object);
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* A token offset of the list `offsets` at `index`; -1 with an error set when it is not an int. */
static Py_ssize_t offset_at(PyObject *offsets, Py_ssize_t index)
{
    PyObject *value = PyList_GET_ITEM(offsets, index);
    if (!PyLong_Check(value)) { /* an int's value is read without calling Python code */
        PyErr_SetString(PyExc_TypeError, "token offsets are ints");
        return -1;
    }
    return PyLong_AsSsize_t(value);
}

/* The first index whose end is past `start` (bisect_right(ends, start)); -1 on an error. */
static Py_ssize_t first_token(PyObject *ends, Py_ssize_t start)
{
    Py_ssize_t low = 0, high = PyList_GET_SIZE(ends);
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2, value = offset_at(ends, middle);
        if (value == -1 && PyErr_Occurred())
            return -1;
        if (start < value)
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

/* The first index whose start is at or past `end` (bisect_left(starts, end)); -1 on an error. */
static Py_ssize_t stop_token(PyObject *starts, Py_ssize_t end)
{
    Py_ssize_t low = 0, high = PyList_GET_SIZE(starts);
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2, value = offset_at(starts, middle);
        if (value == -1 && PyErr_Occurred())
            return -1;
        if (value < end)
            low = middle + 1;
        else
            high = middle;
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

/* The spans of the sequence `span_list`, read and sorted (bio.span_order) into `*spans` (to be
 * given to release_spans with `*count`): 0 when read, 1 when the rule cannot be run here, -1 on
 * an error. */
static int read_spans(PyObject *span_list, Span **spans, Py_ssize_t *count)
{
    *spans = NULL;
    *count = 0;
    PyObject *sequence = PySequence_Tuple(span_list); /* a copy: reading a span may run Python code */
    if (sequence == NULL)
        return -1;
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
 * (len(starts) of them) and appends their issues to `issues`; -1 on an error. */
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
        Py_ssize_t first = first_token(ends, span->start), stop = stop_token(starts, span->end);
        if (first < 0 || stop < 0)
            return -1;
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
        Py_ssize_t last = stop - 1, token_start = offset_at(starts, first), token_end = offset_at(ends, last);
        if (PyErr_Occurred())
            return -1;
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

/* 0 when the arguments are two lists of offsets of one length and a dict; -1 with a TypeError. */
static int check_arguments(const char *name, PyObject *starts, PyObject *ends, PyObject *label_tags)
{
    if (PyList_CheckExact(starts) && PyList_CheckExact(ends)
        && PyList_GET_SIZE(starts) == PyList_GET_SIZE(ends) && PyDict_CheckExact(label_tags))
        return 0;
    PyErr_Format(PyExc_TypeError, "%s takes two lists of offsets of one length, and a dict", name);
    return -1;
}

static PyObject *tag_tiled(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "tag_tiled takes doc_id, starts, ends, spans, label_tags, issue");
        return NULL;
    }
    PyObject *doc_id = args[0], *starts = args[1], *ends = args[2], *label_tags = args[4], *issue = args[5];
    if (check_arguments("tag_tiled", starts, ends, label_tags) < 0)
        return NULL;
    Span *spans;
    Py_ssize_t count;
    PyObject *tags = NULL, *issues = NULL, *result = NULL;
    int state = read_spans(args[3], &spans, &count);
    if (state > 0)
        result = Py_NewRef(Py_None);
    else if (state == 0 && (tags = outside_tags(PyList_GET_SIZE(starts))) != NULL
             && (issues = PyList_New(0)) != NULL
             && tag_layer(doc_id, starts, ends, spans, count, -1, label_tags, issue, tags, issues) == 0)
        result = PyTuple_Pack(2, tags, issues);
    release_spans(spans, count);
    Py_XDECREF(tags);
    Py_XDECREF(issues);
    return result;
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

/* tag_layered(doc_id, starts, ends, spans, labels, label_tags, issue) -> ({label: tags}, issues), or None
 *
 * bio.tag_layers with bio.tag_tiled: one tag list per label, in the order of the list `labels`,
 * and the issues label by label. None as tag_tiled's, and when a span's label is not in `labels`. */
static PyObject *tag_layered(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "tag_layered takes doc_id, starts, ends, spans, labels, label_tags, issue");
        return NULL;
    }
    PyObject *doc_id = args[0], *starts = args[1], *ends = args[2], *label_tags = args[5], *issue = args[6];
    if (check_arguments("tag_layered", starts, ends, label_tags) < 0)
        return NULL;
    /* a copy of the labels: reading a span or calling `issue` may run Python code that changes them */
    PyObject *labels = PyList_CheckExact(args[4]) ? PyList_GetSlice(args[4], 0, PY_SSIZE_T_MAX) : NULL;
    Py_ssize_t label_count = labels == NULL ? -1 : PyList_GET_SIZE(labels);
    for (Py_ssize_t i = 0; i < label_count; i++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(labels, i)))
            label_count = -1;
    if (label_count < 0) {
        Py_XDECREF(labels);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "tag_layered takes a list of str labels");
        return NULL;
    }
    Span *spans;
    Py_ssize_t count;
    PyObject *layers = NULL, *issues = NULL, *result = NULL;
    int state = read_spans(args[3], &spans, &count);
    for (Py_ssize_t i = 0; state == 0 && i < count; i++)
        if ((spans[i].layer = index_of(spans[i].label, labels)) < 0)
            state = 1;
    if (state > 0)
        result = Py_NewRef(Py_None);
    if (state != 0 || (layers = PyDict_New()) == NULL || (issues = PyList_New(0)) == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < label_count; i++) {
        PyObject *label = PyList_GET_ITEM(labels, i), *tags = outside_tags(PyList_GET_SIZE(starts));
        int failed = tags == NULL || PyDict_SetItem(layers, label, tags) < 0
                     || tag_layer(doc_id, starts, ends, spans, count, index_of(label, labels), label_tags,
                                  issue, tags, issues) < 0;
        Py_XDECREF(tags);
        if (failed)
            goto done;
    }
    result = PyTuple_Pack(2, layers, issues);
done:
    release_spans(spans, count);
    Py_DECREF(labels);
    Py_XDECREF(layers);
    Py_XDECREF(issues);
    return result;
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
        || (no_token_message = PyUnicode_InternFromString("covers no token: not tagged")) == NULL)
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
