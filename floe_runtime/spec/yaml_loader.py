"""Read floe.yaml safely and remember where every key and value was written.

PyYAML's C parser builds the node tree (fast, with marks); floe builds the Python values itself
so that it can (a) record a position for every JSON path, (b) refuse duplicate keys,
(c) cap alias expansion (billion laughs), and (d) resolve plain scalars with YAML 1.2 core rules
(``yes`` stays a string, ``2024-01-01`` stays a string) — the same rules check-jsonschema uses,
so the editor, the schema and floe agree on what a file means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from floe_runtime.base import files
from floe_runtime.base.diagnostics import Diagnostic, JsonPath, Position, Severity
from floe_runtime.base.errors import FileRefused
from floe_runtime.spec.yaml_scalars import resolve_plain_scalar

MAX_FILE_BYTES = files.FLOE_YAML_LIMIT
MAX_ALIAS_NODES = 100_000
MAX_NODES = 200_000
"""Values (scalars, lists, mappings) one file may hold: a generated 5 MiB floe.yaml has about
270,000; a hostile one of tiny values (``[[[[…``, ``[1,1,1,…``) would have millions."""
MAX_DEPTH = 32
"""How deep values may nest: every later walk (interpolation, shape, semantics) recurses."""

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class SourceMap:
    """Positions of keys and values by JSON path, for one file."""

    file: str
    text: str
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def value_at(self, path: JsonPath) -> Position | None:
        """Where the value at ``path`` is written, or its nearest written ancestor."""
        return _nearest(self.values, path)

    def diagnostic(
        self,
        message: str,
        path: JsonPath,
        *,
        hint: str | None = None,
        severity: Severity = "error",
        code: str = "invalid",
        position: Position | None = None,
    ) -> Diagnostic:
        """A problem with the value at ``path`` of this file, placed where it is written."""
        where = position or self.value_at(path)
        return Diagnostic(message, self.file, where, path, hint, severity, code)

    def key_at(self, path: JsonPath) -> Position | None:
        """Where the key that names ``path`` is written (falls back to the value)."""
        return _nearest(self.keys, path) or self.value_at(path)

    def inside_string(self, path: JsonPath, column: int) -> Position | None:
        """Where the 1-based ``column`` of a one-line string value is (past an opening quote)."""
        start = self.value_at(path)
        if start is None:
            return None
        quoted = self.line(start.line)[start.col - 1 : start.col] in ("'", '"')
        return Position(start.line, start.col + column - 1 + (1 if quoted else 0))

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


def _nearest(table: dict[JsonPath, tuple[int, int]], path: JsonPath) -> Position | None:
    for end in range(len(path), -1, -1):
        found = table.get(path[:end])
        if found is not None:
            return Position(*found)
    return None


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    source: SourceMap
    values: int = 0
    """Values read, aliases expanded: what every later stage walks once per environment."""


_Parser: Any = getattr(yaml, "CLoader", yaml.Loader)  # libyaml's parser when PyYAML has it


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_yaml_file(path: Path, display_name: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and parse a YAML file, refusing what is too big or not UTF-8."""
    try:
        raw = files.read_bytes(path, MAX_FILE_BYTES, "floe.yaml", display_name)
    except FileRefused as exc:
        hint = "split generated configuration out of floe.yaml" if exc.code == "too-large" else None
        return None, [Diagnostic(exc.reason, display_name, hint=hint, code=exc.code)]
    text, problem = decode_utf8(raw, display_name)
    if problem is not None:
        return None, [problem]
    return load_yaml(text, display_name)


def decode_utf8(raw: bytes, file: str) -> tuple[str, Diagnostic | None]:
    """Decode UTF-8 (with or without BOM); name the line of the first bad byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", Diagnostic(
            "file is UTF-16; floe.yaml must be UTF-8",
            file,
            Position(1, 1),
            hint="save the file as UTF-8",
            code="encoding",
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return "", Diagnostic(
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            file,
            Position(line, col),
            hint="save the file as UTF-8",
            code="encoding",
        )


def load_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one YAML document into plain values plus a map of positions."""
    source = SourceMap(file, text)
    parser = _Parser(text)
    builder = _Builder(source, parser)
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_diagnostic(exc, text, file)]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_diagnostic(exc, text, file)]
    except _Refused as refused:
        return None, [refused.diagnostic]
    finally:
        parser.dispose()
    return YamlDocument(data, source, builder.nodes + builder.alias_nodes), []


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _reader_diagnostic(exc: yaml.reader.ReaderError, text: str, file: str) -> Diagnostic:
    return Diagnostic(
        f"invalid YAML: character #x{exc.character:04x} is not allowed",
        file,
        _offset_position(text, exc.position),
        hint="remove control characters from the file",
        code="yaml",
    )


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    position = _position(mark) if mark is not None else None
    problem = exc.problem or exc.context or "invalid YAML"
    hint = None
    lines = text.splitlines()
    at = ""
    if position is not None and position.line <= len(lines):
        at = lines[position.line - 1][position.col - 1 :]
    if at.startswith("\t") or "'\\t'" in problem:
        problem = "a tab character cannot indent YAML"
        hint = "indent with spaces"
    return Diagnostic(f"invalid YAML: {problem}", file, position, hint=hint, code="yaml")


_IN_PROGRESS = object()


class _Builder:
    """Builds plain values straight from libyaml's event stream (no node tree), filling the
    source map, counting what aliases would expand to, and refusing what floe does not read."""

    def __init__(self, source: SourceMap, parser: Any) -> None:
        self.source = source
        self.parser = parser
        # anchor -> (value, nodes it stands for, levels it nests below where it is written)
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.deepest = 0  # the deepest level reached, aliases expanded: anchors' heights
        self.alias_nodes = 0
        self.nodes = 0

    def refuse(
        self,
        message: str,
        event: Any,
        hint: str | None = None,
        code: str = "yaml",
        path: JsonPath = (),
    ) -> None:
        raise _Refused(
            Diagnostic(
                message, self.source.file, _position(event.start_mark), path, hint, code=code
            )
        )

    def document(self) -> Any:
        get = self.parser.get_event
        get()  # stream start
        event = get()
        if type(event) is yaml.StreamEndEvent:
            raise _Refused(
                Diagnostic(
                    "file is empty",
                    self.source.file,
                    Position(1, 1),
                    hint="start with `name:`",
                    code="empty",
                )
            )
        first = get()  # past the document start
        if type(first) is not yaml.MappingStartEvent:
            self.refuse(
                "the top level of floe.yaml must be a mapping (name:, version:, ...)",
                first,
                code="not-a-mapping",
            )
        data, _ = self.node(first, ())
        get()  # document end
        extra = get()
        if type(extra) is not yaml.StreamEndEvent:
            self.refuse(
                "invalid YAML: the file holds several YAML documents (---); floe.yaml is one "
                "document",
                extra,
                "remove the extra `---` separator",
            )
        return data

    def node(self, event: Any, path: JsonPath) -> tuple[Any, int]:
        """The value of the node that ``event`` starts, and how many nodes it stands for."""
        kind = type(event)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.refuse(
                f"the file holds more than {MAX_NODES:,} values",
                event,
                "split generated configuration out of floe.yaml",
                "too-large",
            )
        self.deepest = max(self.deepest, len(path))
        if len(path) > MAX_DEPTH:
            self.refuse(
                f"values nest more than {MAX_DEPTH} levels deep",
                event,
                "floe.yaml never needs this depth; flatten the structure",
                "too-deep",
                path[:MAX_DEPTH],
            )
        if kind is yaml.AliasEvent:
            return self.alias(event, path)
        mark = event.start_mark
        self.source.values[path] = (mark.line + 1, mark.column + 1)
        anchor = event.anchor
        if anchor is not None:
            self.anchors[anchor] = (_IN_PROGRESS, 0, 0)
            outer, self.deepest = self.deepest, len(path)
        if kind is yaml.ScalarEvent:
            result: tuple[Any, int] = (self.scalar(event), 1)
        elif kind is yaml.SequenceStartEvent:
            self.check_tag(event, _SEQ_TAG)
            result = self.sequence(path)
        else:
            self.check_tag(event, _MAP_TAG)
            result = self.mapping(path)
        if anchor is not None:
            self.anchors[anchor] = (*result, self.deepest - len(path))
            self.deepest = max(outer, self.deepest)
        return result

    def alias(self, event: Any, path: JsonPath) -> tuple[Any, int]:
        found = self.anchors.get(event.anchor)
        if found is None:
            self.refuse(
                f"invalid YAML: alias *{event.anchor} has no anchor",
                event,
                "define the anchor (&name) before using it (*name)",
            )
        assert found is not None
        if found[0] is _IN_PROGRESS:
            self.refuse(
                "an alias refers to the anchor that contains it (a recursive structure)",
                event,
                code="alias",
            )
        value, count, height = found
        if len(path) + height > MAX_DEPTH:  # an alias pastes in a value that is already deep
            self.refuse(
                f"values nest more than {MAX_DEPTH} levels deep (through alias *{event.anchor})",
                event,
                "floe.yaml never needs this depth; flatten the structure",
                "too-deep",
                path[:MAX_DEPTH],
            )
        self.deepest = max(self.deepest, len(path) + height)
        self.alias_nodes += count
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.refuse(
                f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes",
                event,
                "floe refuses YAML alias bombs; write the values out or share less",
                "alias",
            )
        mark = event.start_mark
        self.source.values[path] = (mark.line + 1, mark.column + 1)
        return value, count

    def check_tag(self, event: Any, allowed: str) -> None:
        if event.tag not in (None, "!", allowed):
            self.refuse(
                f"YAML tag {event.tag!r} is not supported",
                event,
                "remove the tag and write the value plainly",
                "yaml-tag",
            )

    def scalar(self, event: Any) -> Any:
        if event.tag is None:
            if event.implicit[0] and not event.style:
                try:
                    return resolve_plain_scalar(event.value)
                except ValueError:  # Python prints no integer of more than 4,300 digits
                    self.refuse(
                        f"an integer of {len(event.value):,} digits is too long",
                        event,
                        "quote it to keep it as a string",
                        "too-long",
                    )
            return event.value
        self.check_tag(event, _STR_TAG)
        return event.value

    def sequence(self, path: JsonPath) -> tuple[list[Any], int]:
        items: list[Any] = []
        size = 1
        get = self.parser.get_event
        while True:
            event = get()
            if type(event) is yaml.SequenceEndEvent:
                return items, size
            value, count = self.node(event, (*path, len(items)))
            items.append(value)
            size += count

    def mapping(self, path: JsonPath) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        size = 1
        get = self.parser.get_event
        keys = self.source.keys
        while True:
            key_event = get()
            if type(key_event) is yaml.MappingEndEvent:
                break
            if type(key_event) is not yaml.ScalarEvent:
                self.refuse("mapping keys must be plain strings, not lists or mappings", key_event)
            key = key_event.value
            mark = key_event.start_mark
            key_pos = (mark.line + 1, mark.column + 1)
            if key == "<<" and not key_event.style:
                size += self.merge(get(), path, key_pos, merged)
                continue
            child = (*path, key)
            if key in out:
                self.refuse(
                    f"duplicate key {key!r} (first written at line {keys[child][0]})",
                    key_event,
                    "remove one of them; YAML would silently keep only the last",
                    "duplicate-key",
                    child,
                )
            keys[child] = key_pos
            out[key], count = self.node(get(), child)
            size += count
        return ({**merged, **out} if merged else out), size

    def merge(
        self, event: Any, path: JsonPath, key_pos: tuple[int, int], merged: dict[str, Any]
    ) -> int:
        """``<<: *base`` (or a list of them): keys written beside it win over merged ones."""
        value, count = self.node(event, (*path, "<<"))
        del self.source.values[(*path, "<<")]
        for part in value if isinstance(value, list) else [value]:
            if not isinstance(part, dict):
                self.refuse("a merge key (<<) needs a mapping or a list of mappings", event)
            for merged_key in part:
                self.source.keys.setdefault((*path, merged_key), key_pos)
            merged.update(part)
        return count
