"""`lamina.feature_column`: TensorFlow's feature columns, describing how raw features (a dict
of arrays) become model inputs for the canned estimators in `lamina.estimators`.

Dense columns (numeric, bucketized, indicator, embedding) give float vectors and feed DNN
models; categorical columns (identity, vocabulary, hash bucket, crossed, weighted) give ids,
which linear models take directly and DNN models take through indicator_column or
embedding_column. The contrib names (real_valued_column, sparse_column_with_*) are aliases.
"""

from lamina.feature_column.base import CategoricalColumn, DenseColumn, FeatureColumn
from lamina.feature_column.categorical import (CrossedColumn, HashedCategoricalColumn, IdentityCategoricalColumn,
                                               VocabularyFileCategoricalColumn, VocabularyListCategoricalColumn,
                                               WeightedCategoricalColumn, categorical_column_with_hash_bucket,
                                               categorical_column_with_identity, categorical_column_with_vocabulary_file,
                                               categorical_column_with_vocabulary_list, crossed_column,
                                               weighted_categorical_column)
from lamina.feature_column.contrib import (IntegerizedCategoricalColumn, one_hot_column, real_valued_column,
                                           sparse_column_with_hash_bucket, sparse_column_with_integerized_feature,
                                           sparse_column_with_keys)
from lamina.feature_column.dense_wrappers import (EmbeddingColumn, IndicatorColumn, SharedEmbeddingColumn, embedding_column,
                                                  indicator_column, shared_embeddings)
from lamina.feature_column.sequence import (SequenceCategoricalColumn, SequenceFeatures, SequenceNumericColumn,
                                            sequence_categorical_column_with_hash_bucket,
                                            sequence_categorical_column_with_identity,
                                            sequence_categorical_column_with_vocabulary_file,
                                            sequence_categorical_column_with_vocabulary_list, sequence_numeric_column)
from lamina.feature_column.numeric import BucketizedColumn, NumericColumn, bucketized_column, numeric_column

__all__ = [
    "FeatureColumn", "DenseColumn", "CategoricalColumn",
    "numeric_column", "bucketized_column", "categorical_column_with_identity", "categorical_column_with_vocabulary_list",
    "categorical_column_with_vocabulary_file", "categorical_column_with_hash_bucket", "crossed_column",
    "sequence_numeric_column", "sequence_categorical_column_with_identity",
    "sequence_categorical_column_with_hash_bucket", "sequence_categorical_column_with_vocabulary_list",
    "sequence_categorical_column_with_vocabulary_file", "SequenceFeatures", "SequenceNumericColumn",
    "SequenceCategoricalColumn",
    "indicator_column", "embedding_column", "shared_embeddings", "weighted_categorical_column", "SharedEmbeddingColumn",
    "real_valued_column", "sparse_column_with_integerized_feature", "sparse_column_with_keys",
    "sparse_column_with_hash_bucket", "one_hot_column",
    "NumericColumn", "BucketizedColumn", "IdentityCategoricalColumn", "VocabularyListCategoricalColumn",
    "VocabularyFileCategoricalColumn", "HashedCategoricalColumn", "CrossedColumn", "IndicatorColumn",
    "EmbeddingColumn", "WeightedCategoricalColumn", "IntegerizedCategoricalColumn",
]
