"""moto's DynamoDB at the local stack's sizes: transactions without whole-table copies, and
queries on a table's own key without reading every item.

Both are local-only: nothing deployed uses this module, and what moto answers is unchanged.

**Transactions.** moto (5.x) deep-copies every table a transaction names before each
``TransactWriteItems``, so that it can put them back if the transaction is cancelled. Every event
the track function stores is one transaction, so with a few thousand items a batch of 100 events
copied the tables a hundred times: seconds per batch, and gigabytes of garbage while the clock ran
a day of workflows.

``install()`` keeps moto's own transaction logic (conditions, cancellation reasons, one operation
per item) and changes only what it saves: before the transaction, a copy of each item it names;
on cancellation, those items are put back (or removed, for items it created). The tables' copies
are skipped while a transaction runs and nowhere else. The local stack installs it at start-up;
nothing deployed uses it.

**Queries.** moto answers a Query by sorting every item of the table, then keeping those of the
partition asked for: each ``runs.of_contact`` or event-history read cost as much as a scan. A
query on the table's own partition key (no index) now starts from that partition's items only;
moto's filtering, ordering and paging then run as before. Queries on an index still read every
item (moto keeps no index).

**Update expressions.** moto checks an ``UpdateExpression`` by walking its syntax tree ten times,
and two of those walks (one clause per action kind, no overlapping paths) look again at the whole
subtree under each node: quadratic in the number of actions. A cost-rollup update adds about twenty
counters, so the ledger's transactions took two thirds of a local send. Those two checks depend on
nothing but the expression and its attribute names, so an expression that passed them once is not
walked by them again (any other expression still is, and still raises as moto does); every walk
looks up its handlers once per walk instead of once per node; and the tree each check works on is
copied node by node rather than by ``copy.deepcopy`` (which, following every node's parent link,
cost more than parsing the expression again). With every check working on its own copy, nothing
changes a parsed tree, so each distinct expression is parsed once (moto parsed it three times per
update).

**Counter updates.** Even so, checking an update walks its tree eight more times (values, names,
functions, types...), twice when the item is new, and most of the stack's updates are the simplest
kind: ``SET #a = :a`` and ``ADD #n :n`` on top-level attributes (every stats count and cost rollup).
An update of exactly that shape, whose names and values are all given, that touches no key attribute
and no attribute twice, and whose ADD adds a number to a number (or to nothing), is applied directly,
as moto's executor would apply it, after moto's own condition check. Anything else (sets, paths,
functions, a missing value, a type mismatch, a table with a stream) goes through moto's checks and
gets moto's answer.

**Sizes and guards.** moto summed an item's whole size again for each attribute it set (quadratic in
the attributes of every item it built or updated); it now counts as the item grows, against the same
limit. A condition without values (``attribute_not_exists(pk)``, the guard of every once-only
write) is parsed once per expression and names, with what the parse records replayed on each use.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser, create_condition_expression_parser
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    ItemSizeTooLarge,
    ItemSizeToUpdateTooLarge,
    MockValidationException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.parsing import validators as moto_validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]  # untyped
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

_in_transaction = threading.local()
_partition = threading.local()  # the table and partition a base-table query is reading
_installed = False


def install() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    global _installed
    if _installed:
        return
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = _saved_items(self, transact_items)
        _in_transaction.active = True
        try:
            original(self, transact_items)
        except Exception:
            _put_back(self, saved)
            raise
        finally:
            _in_transaction.active = False

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    _narrow_queries()
    _quicker_update_expressions()
    _direct_counter_updates()
    _items_sized_once()
    _conditions_parsed_once()
    _installed = True


def _narrow_queries() -> None:
    original_query, original_all_items = Table.query, Table.all_items

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        _partition.at = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _partition.at = None

    def all_items(self: Table) -> list[Any]:
        at = getattr(_partition, "at", None)
        if at is None or at[0] is not self:
            return list(original_all_items(self))
        found = self.items.get(at[1])
        if found is None:
            return []
        items = list(found.values()) if self.range_key_attr else [found]
        return sorted(
            items, key=lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key
        )

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


def _quicker_update_expressions() -> None:
    def processing_map(self: Any) -> dict[type, Any]:
        # Each traverser is built for one walk; its handlers are bound methods that never change.
        cached: dict[type, Any] | None = self.__dict__.get("_nf_map")
        if cached is None:
            cached = self.__dict__["_nf_map"] = self._processing_map()
        return cached

    def process(self: Any, node: Any) -> Any:
        for kind, processor in processing_map(self).items():
            if isinstance(node, kind):
                return processor(node)
        return None

    base_nodes = DepthFirstTraverser.nodes_to_be_processed

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        cached: tuple[type, ...] | None = self.__dict__.get("_nf_nodes")
        if cached is None:
            cached = self.__dict__["_nf_nodes"] = base_nodes(self)
        return cached

    DepthFirstTraverser.process = process
    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed
    for validator in (ActionCountValidator, OverlappingPathsValidator):
        _remember_passes(validator)
    moto_validators.deepcopy = _copy  # type: ignore[assignment,attr-defined]
    _parse_once()


def _parse_once() -> None:
    parse = UpdateExpressionParser.make
    parsed: dict[str, Any] = {}

    def make(expression: str) -> Any:
        tree = parsed.get(expression)
        if tree is None:
            tree = parse(expression)  # a refused expression raises, and is parsed again next time
            tree._nf_source = expression
            if len(parsed) < 10_000:
                parsed[expression] = tree
        return tree

    UpdateExpressionParser.make = make


def _copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy`` as moto's validators use it, with syntax trees copied node by node."""
    return _copy_tree(value, None) if isinstance(value, Node) else copy.deepcopy(value, memo)


def _copy_tree(node: Any, parent: Any) -> Any:
    if isinstance(node, Node):
        new = copy.copy(node)
        new.parent = parent
        if node.children is not None:
            new.children = [_copy_tree(child, new) for child in node.children]
        return new
    if isinstance(node, list):
        return [_copy_tree(item, parent) for item in node]
    return copy.deepcopy(node)


def _remember_passes(validator: Any) -> None:
    """``validator`` (which reads only the tree and the attribute names, and changes neither) walks
    each distinct expression once; what it refused, it refuses again, as it is not remembered."""
    original = validator.traverse
    passed: set[Any] = set()

    def traverse(self: Any, node: Any) -> Any:
        # A tree from the parse cache carries its source text (copies keep it); any other tree (past
        # the cache's bound) is simply checked.
        source = getattr(node, "_nf_source", None)
        if source is None:
            return original(self, node)
        names = getattr(self, "expression_attribute_names", None) or {}
        key = (source, tuple(sorted(names.items())))
        if key in passed:
            return node
        answer = original(self, node)
        if len(passed) < 10_000:  # a bound on memory: past it, checks simply run every time
            passed.add(key)
        return answer

    validator.traverse = traverse


_NAME, _VALUE = r"#[A-Za-z0-9_]+", r":[A-Za-z0-9_]+"
_SET = re.compile(rf"\s*({_NAME})\s*=\s*({_VALUE})\s*")
_ADD = re.compile(rf"\s*({_NAME})\s+({_VALUE})\s*")
_CLAUSE = re.compile(r"\b(SET|ADD)\b", re.IGNORECASE)
_ZERO = DynamoType({"N": "0"})
_ITEM_LIMIT = 405_000  # LimitedSizeDict's: between the 409 and 410 KB DynamoDB was seen to refuse


def counter_actions(expression: str) -> list[tuple[str, str, str]] | None:
    """``[(verb, #name, :value), ...]`` for an expression of only ``SET #a = :a`` and ``ADD #n :n``
    actions (each clause at most once), or None for any other expression."""
    parts = _CLAUSE.split(expression)
    if parts[0].strip() or len(parts) < 3:
        return None
    actions: list[tuple[str, str, str]] = []
    verbs: set[str] = set()
    for verb, body in zip(parts[1::2], parts[2::2], strict=True):
        verb = verb.upper()
        if verb in verbs:
            return None
        verbs.add(verb)
        pattern = _SET if verb == "SET" else _ADD
        for action in body.split(","):
            match = pattern.fullmatch(action)
            if match is None:
                return None
            actions.append((verb, match.group(1), match.group(2)))
    return actions


def _direct_counter_updates() -> None:
    original = DynamoDBBackend.update_item
    planned: dict[str, list[tuple[str, str, str]] | None] = {}

    def update_item(
        self: DynamoDBBackend,
        table_name: str,
        key: dict[str, dict[str, Any]],
        update_expression: str,
        expression_attribute_names: dict[str, Any],
        expression_attribute_values: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> Any:
        arguments = (
            table_name, key, update_expression, expression_attribute_names, expression_attribute_values,
            attribute_updates, expected, condition_expression, return_values_on_condition_check_failure,
        )  # fmt: skip
        if update_expression not in planned and len(planned) < 10_000:
            planned[update_expression] = counter_actions(update_expression) if update_expression else None
        actions = planned.get(update_expression)
        table = self.get_table(table_name)
        changes = None
        if actions is not None and not attribute_updates and not expected and table.stream_shard is None:
            changes = _resolved(actions, table, expression_attribute_names, expression_attribute_values)
        if changes is None or set(key) != {table.hash_key_attr, table.range_key_attr} - {None}:
            return original(self, *arguments)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        item = table.get_item(hash_value, range_value)
        if any(verb == "ADD" and not _adds_to_number(item, name) for verb, name, _ in changes):
            return original(self, *arguments)  # moto's type error, as moto words it
        condition = create_condition_expression_parser(
            condition_expression, expression_attribute_names, expression_attribute_values
        ).parse()
        if not condition.expr(item):
            if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
                raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
            raise ConditionalCheckFailed
        return _apply(table, hash_value, range_value, item, changes)

    update_item.moto = original  # type: ignore[attr-defined]  # for the tests' comparisons
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def _resolved(
    actions: list[tuple[str, str, str]],
    table: Table,
    names: dict[str, Any] | None,
    values: dict[str, Any] | None,
) -> list[tuple[str, str, DynamoType]] | None:
    """The actions with their attribute names and values, or None where moto must judge."""
    names, values = names or {}, values or {}
    keys = {table.hash_key_attr, table.range_key_attr}
    changes: list[tuple[str, str, DynamoType]] = []
    for verb, placeholder, value_ref in actions:
        name, value = names.get(placeholder), values.get(value_ref)
        if not isinstance(name, str) or not name or name in keys or not isinstance(value, dict):
            return None
        typed = DynamoType(value)
        if verb == "ADD" and not typed.is_number():
            return None
        if verb == "SET" and typed.type not in ("S", "N", "BOOL"):
            return None
        changes.append((verb, name, typed))
    return changes if len({name for _, name, _ in changes}) == len(changes) else None


def _apply(
    table: Table, hash_value: DynamoType, range_value: DynamoType | None, item: Item | None, changes: Any
) -> Item:
    """The changes made as moto's executor makes them, on a new item if there is none."""
    if item is None:
        data = {table.hash_key_attr: {hash_value.type: hash_value.value}}
        if range_value is not None:
            data[table.range_key_attr] = {range_value.type: range_value.value}  # type: ignore[index]
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
    attrs = item.attrs  # type: ignore[union-attr]
    size = _size(attrs)
    for verb, name, value in changes:
        existing = attrs.get(name)
        if verb == "ADD":  # as moto adds: to zero when the attribute is missing
            value = (existing if existing is not None else _ZERO) + value
        size = _set_within_limit(attrs, size, name, value, existing)
    return item  # type: ignore[return-value]


def _size(attrs: dict[str, Any]) -> int:
    """An item's size as moto's ``LimitedSizeDict`` counts it before each attribute it sets."""
    return sum(bytesize(k) + _value_size(v) for k, v in attrs.items())


def _set_within_limit(attrs: dict[str, Any], size: int, name: str, value: DynamoType, existing: Any) -> int:
    """Set an attribute as ``LimitedSizeDict`` does (refusing past its limit, counting the value it
    replaces as still there), from a running size instead of summing every attribute again: the
    size of the item after. moto summed the whole item for each attribute set."""
    added = bytesize(name) + value.size()
    if size + added > _ITEM_LIMIT:
        raise ItemSizeToUpdateTooLarge()
    dict.__setitem__(attrs, name, value)
    replaced = 0 if existing is None else bytesize(name) + _value_size(existing)
    return size + added - replaced


def _value_size(value: Any) -> int:
    return int(value.size()) if type(value) is DynamoType else bytesize(str(value))


def _items_sized_once() -> None:
    """moto's ``Item`` built with the same size limit, counted as it grows rather than summed again
    for each attribute (quadratic in the attributes; a contact or run item has dozens)."""

    def __init__(
        self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
    ) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        self.attrs = LimitedSizeDict()
        size = 0
        for key, value in attrs.items():
            typed = DynamoType(value)
            added = bytesize(key) + typed.size()
            if size + added > _ITEM_LIMIT:
                raise ItemSizeTooLarge
            dict.__setitem__(self.attrs, key, typed)
            size += added

    __init__.moto = Item.__init__  # type: ignore[attr-defined]  # for the tests' comparisons
    Item.__init__ = __init__  # type: ignore[method-assign]


def _adds_to_number(item: Item | None, name: str) -> bool:
    existing = None if item is None else item.attrs.get(name)
    return existing is None or existing.is_number()


def skip_install() -> None:
    """Keep moto's own whole-table copies in this process (``bench.local_stack``'s baseline)."""
    global _installed
    _installed = True


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    """During a transaction: no copy (its items are saved one by one); otherwise a full copy, as
    ``copy.deepcopy`` makes of any object."""
    if getattr(_in_transaction, "active", False):
        return self
    clone: Table = object.__new__(type(self))
    memo[id(self)] = clone
    clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return clone


Saved = tuple[str, Any, Any, Any]  # table name, hash value, range value, the item's copy or None


def _saved_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Saved]:
    saved: list[Saved] = []
    seen: set[tuple[str, Any, Any]] = set()
    for entry in transact_items:
        for kind, op in entry.items():
            name = op.get("TableName") if isinstance(op, dict) else None
            table = backend.tables.get(name) if name else None
            if table is None:
                continue
            found = _current(backend, table, kind, op)
            if found is not None and (str(name), found[0], found[1]) not in seen:
                seen.add((str(name), found[0], found[1]))
                saved.append((str(name), found[0], found[1], copy.deepcopy(found[2])))
    return saved


def _current(
    backend: DynamoDBBackend, table: Table, kind: str, op: dict[str, Any]
) -> tuple[Any, Any, Any] | None:
    """(hash value, range value, the item now or None); None for a malformed operation, whose
    error moto raises itself when it runs the transaction (before writing it)."""
    try:
        hash_value, range_value = backend.get_keys_value(table, _key_attributes(table, kind, op))
        return hash_value, range_value, table.get_item(hash_value, range_value)
    except (KeyError, TypeError, ValueError, MockValidationException):
        return None


def _key_attributes(table: Table, kind: str, op: dict[str, Any]) -> dict[str, Any]:
    if kind != "Put":
        return dict(op["Key"])
    item = op["Item"]
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


def _put_back(backend: DynamoDBBackend, saved: list[Saved]) -> None:
    for name, hash_value, range_value, item in reversed(saved):
        table = backend.tables.get(name)
        if table is None:
            continue
        if item is None and range_value:
            table.items.get(hash_value, {}).pop(range_value, None)
        elif item is None:
            table.items.pop(hash_value, None)
        elif range_value:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


def _conditions_parsed_once() -> None:
    """A condition without values (``attribute_not_exists(pk)``, every once-only write's guard) is
    parsed once per distinct expression and names: the tree moto builds from them depends on nothing
    else, and its evaluation changes nothing in it. What the parse records (the names and values it
    found, which moto checks against those given) is recorded again on every use. A condition with
    values (which the tree holds) is parsed each time, as before."""
    original = ConditionExpressionParser.parse
    parsed: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, list[str], list[str]]] = {}

    def parse(self: ConditionExpressionParser) -> Any:
        names, values = self.expression_attribute_names or {}, self.expression_attribute_values
        if not self.condition_expression or values:
            return original(self)
        key = (self.condition_expression, tuple(sorted(names.items())))
        known = parsed.get(key)
        if known is None:
            tree = original(self)  # a refused expression raises, and is parsed again next time
            known = (tree, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            if len(parsed) < 10_000:
                parsed[key] = known
            return tree
        tree, names_found, values_found = known
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return tree

    parse.moto = original  # type: ignore[attr-defined]  # for the tests' comparisons
    ConditionExpressionParser.parse = parse  # type: ignore[method-assign]
