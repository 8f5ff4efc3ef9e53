"""cs231n_utils.validation: a bad argument gets an error naming it and what it got."""
import numpy as np
import pytest

from cs231n_utils.validation import (describe, require_array, require_choice, require_float_array,
                                     require_number, require_rng)


def test_describe_gives_shape_and_dtype_of_arrays_and_shortens_the_rest():
    assert describe(np.zeros((2, 3), dtype=np.float32)) == "array of shape (2, 3) and dtype float32"
    assert describe(list(range(10))) == "list of length 10"
    assert describe([1, 2]) == "[1, 2]"
    long = describe("x" * 200)
    assert len(long) == 80 and long.endswith("...")


def test_require_array_returns_the_same_object_when_it_passes():
    x = np.ones((2, 3))
    assert require_array("x", x, ndim=2, shape=(2, None), dtype_kind="f") is x


@pytest.mark.parametrize("value, got", [([1.0, 2.0], "[1.0, 2.0]"), (None, "None"), (3.0, "3.0")])
def test_require_array_refuses_non_arrays_naming_the_argument(value, got):
    with pytest.raises(TypeError) as info:
        require_array("w", value)
    assert str(info.value) == f"w must be a numpy array, got {got}"


def test_require_array_refuses_an_object_that_compares_equal_to_anything():
    class Liar:
        def __eq__(self, other):
            return True
    with pytest.raises(TypeError, match="^x must be a numpy array"):
        require_array("x", Liar())


def test_require_array_names_the_argument_on_a_wrong_rank():
    with pytest.raises(ValueError) as info:
        require_array("w", np.ones(3), ndim=2)
    assert str(info.value) == "w must have 2 dimensions, got shape (3,)"
    with pytest.raises(ValueError, match=r"^x must have 2 or 4 dimensions, got shape \(3,\)$"):
        require_array("x", np.ones(3), ndim=(2, 4))
    require_array("x", np.ones((1, 2, 3, 4)), ndim=(2, 4))


def test_require_array_shape_with_wildcards():
    require_array("b", np.ones((5, 3)), shape=(None, 3))
    with pytest.raises(ValueError) as info:
        require_array("b", np.ones((5, 4)), shape=(None, 3))
    assert str(info.value) == "b must have shape (*, 3), got (5, 4)"
    with pytest.raises(ValueError, match=r"^b must have shape \(\*, 3\), got \(3,\)$"):
        require_array("b", np.ones(3), shape=(None, 3))


def test_require_array_writes_a_one_dimensional_shape_as_python_does():
    with pytest.raises(ValueError) as info:
        require_array("b", np.ones(4), shape=(5,))
    assert str(info.value) == "b must have shape (5,), got (4,)"


@pytest.mark.parametrize("dtype", [np.int64, np.complex128, object, bool])
def test_require_float_array_refuses_other_dtypes_naming_them(dtype):
    value = np.zeros(3, dtype=dtype)
    with pytest.raises(TypeError) as info:
        require_float_array("dout", value)
    assert str(info.value) == f"dout must have a dtype of kind 'f', got dtype {value.dtype}"


def test_require_float_array_accepts_float32_and_float64():
    for dtype in (np.float32, np.float64):
        x = np.zeros((2, 2), dtype=dtype)
        assert require_float_array("x", x, ndim=2) is x


def test_require_array_dtype_kind_accepts_any_listed_kind():
    require_array("y", np.arange(3), dtype_kind="iu")
    require_array("y", np.arange(3, dtype=np.uint8), dtype_kind="iu")
    with pytest.raises(TypeError, match="^y must have a dtype of kind 'iu', got dtype float64$"):
        require_array("y", np.zeros(3), dtype_kind="iu")


@pytest.mark.parametrize("value", [1, 0.5, np.float64(0.25), np.int32(3)])
def test_require_number_returns_real_numbers_unchanged(value):
    assert require_number("lr", value) is value


@pytest.mark.parametrize("value", [True, None, "0.1", 1 + 2j, np.ones(2), [0.1]])
def test_require_number_refuses_non_real_values(value):
    with pytest.raises(TypeError, match="^lr must be a real number, got "):
        require_number("lr", value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf])
def test_require_number_refuses_non_finite_values(value):
    with pytest.raises(ValueError, match="^p must be finite"):
        require_number("p", value)


def test_require_number_bounds_name_the_argument_value_and_interval():
    require_number("p", 0.0, low=0, high=1, high_open=True)
    with pytest.raises(ValueError) as info:
        require_number("p", 1.0, low=0, high=1, high_open=True)
    assert str(info.value) == "p must be in [0, 1), got 1.0"
    with pytest.raises(ValueError) as info:
        require_number("h", 0.0, low=0, low_open=True)
    assert str(info.value) == "h must be in (0, inf], got 0.0"
    with pytest.raises(ValueError, match=r"^momentum must be in \[-inf, 1\], got 1.5$"):
        require_number("momentum", 1.5, high=1)
    require_number("momentum", 1.0, high=1)


def test_require_number_integer():
    assert require_number("k", 3, integer=True, low=1) == 3
    with pytest.raises(TypeError, match="^k must be an integer, got 2.5$"):
        require_number("k", 2.5, integer=True)
    with pytest.raises(ValueError, match=r"^k must be in \[1, inf\], got 0$"):
        require_number("k", 0, integer=True, low=1)


def test_require_choice_names_the_argument_and_the_options():
    assert require_choice("mode", "train", ("train", "test")) == "train"
    with pytest.raises(ValueError) as info:
        require_choice("mode", "eval", ("train", "test"))
    assert str(info.value) == "mode must be one of 'train', 'test'; got 'eval'"


def test_require_rng_from_seed_none_and_generator():
    a = require_rng("rng", 3).standard_normal(4)
    b = require_rng("rng", 3).standard_normal(4)
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(0)
    assert require_rng("rng", gen) is gen
    assert isinstance(require_rng("rng", None), np.random.Generator)
    assert isinstance(require_rng("rng", np.random.SeedSequence(1)), np.random.Generator)


@pytest.mark.parametrize("value", [True, 1.5, "0", np.random.RandomState(0)])
def test_require_rng_refuses_other_values_naming_the_argument(value):
    with pytest.raises(TypeError, match="^seed must be a numpy Generator, an int seed or None, got"):
        require_rng("seed", value)
