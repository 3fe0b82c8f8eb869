import pytest

from jupyter_designer.engine.errors import ParameterError
from jupyter_designer.engine.params import (Bool, Columns, Enum, Float, Int, List, Script, String,
                                            parse_indices, resolve_params, resolve_selection,
                                            tunable_range)
from jupyter_designer.engine.schema import Schema

SCHEMA = Schema.of([("a", "integer"), ("b", "double"), ("c", "string"), ("d", "boolean"),
                    ("e", "categorical"), ("f", "double", "label"), ("g", "integer"), ("h", "double")])


def test_int_message_shape():
    p = Int("n", "Number of folds", default=10, min=2, max=100)
    assert p.validate("12", "Partition and Sample") == 12
    with pytest.raises(ParameterError) as err:
        p.validate(1, "Partition and Sample")
    assert str(err.value) == ("The 'Number of folds' parameter of Partition and Sample must be an int "
                              "in the range [2, 100]. Got 1 instead.")
    assert err.value.parameter == "n"
    with pytest.raises(ParameterError):
        p.validate(True)
    with pytest.raises(ParameterError):
        p.validate(2.5)


def test_float_bool_string_enum():
    f = Float("fraction", "Fraction of rows", min=0, max=1)
    assert f.validate("0.7") == 0.7
    with pytest.raises(ParameterError, match=r"must be a float in the range \[0, 1\]. Got 1.5"):
        f.validate(1.5, "Split Data")
    with pytest.raises(ParameterError):
        f.validate(float("nan"))
    assert Bool("x").validate("true") is True and Bool("x").validate(0) is False
    with pytest.raises(ParameterError):
        Bool("x").validate("maybe")
    assert String("s", pattern=r"\w+").validate("abc") == "abc"
    with pytest.raises(ParameterError):
        String("s", allow_empty=False).validate("  ")
    e = Enum("mode", choices=["Split Rows", "Regular Expression Split"])
    assert e.validate("split rows") == "Split Rows"
    with pytest.raises(ParameterError, match="one of 'Split Rows', 'Regular Expression Split'"):
        e.validate("Rows")
    assert Script("script").validate("print(1)") == "print(1)"


def test_required_and_visibility():
    params = [Enum("mode", choices=["A", "B"], default="A"),
              Float("frac", default=0.5, min=0, max=1, visible_if={"mode": ["A"]}),
              String("regex", default=None, required=True, visible_if={"mode": ["B"]})]
    out = resolve_params(params, {}, "Split Data")
    assert out == {"mode": "A", "frac": 0.5, "regex": None}
    with pytest.raises(ParameterError, match="'Regex' parameter of Split Data is required"):
        resolve_params(params, {"mode": "B"}, "Split Data")
    # a hidden parameter's bad value does not block
    assert resolve_params(params, {"mode": "B", "regex": "x", "frac": 7}, "S")["frac"] == 0.5
    with pytest.raises(ParameterError, match="has no parameter 'nope'"):
        resolve_params(params, {"nope": 1}, "Split Data")


def test_list_and_tunable_range():
    lst = List("vals", item=Float("v", min=0))
    assert lst.validate("0.1, 0.5, 1") == [0.1, 0.5, 1.0]
    with pytest.raises(ParameterError):
        lst.validate("0.1, -1")
    r = tunable_range(Int("trees", "Number of trees", default=8, min=1), [8, 16, 32])
    assert r.key == "trees_range" and r.visible_if == {"create_trainer_mode": ["Parameter Range"]}
    assert r.validate("1,2") == [1, 2]


def test_parse_indices_reference_form():
    assert parse_indices("8,1-4,6") == [7, 0, 1, 2, 3, 5]
    with pytest.raises(ValueError, match="out of range"):
        parse_indices("9", 8)
    with pytest.raises(ValueError):
        parse_indices("0")
    with pytest.raises(ValueError):
        parse_indices("a-b")


def test_column_selection_rules():
    assert resolve_selection(["c", "a"], SCHEMA) == ["c", "a"]
    assert resolve_selection("a, b", SCHEMA) == ["a", "b"]
    sel = {"begin_with": "all", "rules": [{"action": "exclude", "by": "type", "values": ["String", "Boolean"]}]}
    assert resolve_selection(sel, SCHEMA) == ["a", "b", "e", "f", "g", "h"]
    sel = {"begin_with": "none", "rules": [{"action": "include", "by": "indices", "values": ["8,1-4,6"]},
                                           {"action": "exclude", "by": "names", "values": ["b"]}]}
    assert resolve_selection(sel, SCHEMA) == ["a", "c", "d", "f", "h"]
    sel = {"begin_with": "none", "rules": [{"action": "include", "by": "type", "values": ["Numeric"]},
                                           {"action": "exclude", "by": "type", "values": ["Label"]}]}
    assert resolve_selection(sel, SCHEMA) == ["a", "b", "g", "h"]
    with pytest.raises(ParameterError, match=r"names column\(s\) 'zz' that the input dataset does not have"):
        resolve_selection(["zz"], SCHEMA, component="Select Columns in Dataset")


def test_columns_param_single_and_kinds():
    label = Columns("label_column", "Label column", single=True)
    assert label.validate(["price"]) == "price"
    assert label.resolve("f", SCHEMA) == ["f"]
    with pytest.raises(ParameterError, match="exactly one column"):
        label.resolve({"begin_with": "all", "rules": []}, SCHEMA)
    num = Columns("cols", "Columns to transform", kinds=("integer", "double"))
    with pytest.raises(ParameterError, match="'c' \\(string\\)"):
        num.resolve(["a", "c"], SCHEMA, "Normalize Data")
    with pytest.raises(ParameterError):
        Columns("x").validate({"begin_with": "sometimes"})
    with pytest.raises(ParameterError):
        Columns("x").validate({"rules": [{"by": "type", "values": ["Banana"]}]})


def test_as_dict_is_json():
    import json
    for p in [Int("a", min=1), Float("b"), Bool("c"), String("d"), Enum("e", choices=[1, 2]),
              List("f", item=Int("x")), Columns("g", single=True), Script("h")]:
        json.dumps(p.as_dict())
