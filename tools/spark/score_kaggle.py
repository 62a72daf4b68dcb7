"""Batch scoring on Apache Spark: a Kaggle-layout folder -> a submission file, through mlflow.pyfunc.spark_udf on the
registered model (the same pyfunc that `mlflow.pyfunc.load_model` and `mlflow models serve` run; raw fields in).

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python tools/spark/score_kaggle.py --data-dir DIR --out submission.csv \
        [--application application_test.csv] [--model-uri models:/credit-scoring@champion] [--master local[2]] \
        [--with-decision] [--env-manager local|virtualenv|uv]

The job: read the application file and the side tables as text (numbers are parsed by Spark's Java parser, exact),
nest each applicant's side-table rows, in file order, as one JSON array per table (bureau_balance through the
applicant's bureau credits), cast the application fields to the model signature's types, score with the pyfunc UDF,
write `SK_ID_CURR,TARGET` (TARGET = probability of default, 17 significant digits; --with-decision adds
decision,threshold,modelVersion) as one CSV file in the application file's order. Prints a JSON line of timings.
Python: pyspark 4, mlflow 3.17.2, lightgbm 4.7.0, pandas, numpy, pyarrow (tools/spark/README.md); Java 17.
"""
import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
import time

import mlflow
import mlflow.pyfunc
from pyspark import SparkConf
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

SIDE_TABLES = ("bureau", "previous_application", "POS_CASH_balance", "installments_payments", "credit_card_balance")
ROW = "__row__"
SPARK_TYPES = {"long": T.LongType(), "double": T.DoubleType(), "string": T.StringType(), "integer": T.IntegerType()}


def exists(path):
    """Local paths are checked; a URI (hdfs://, s3a://...) is taken as given: Spark says if it is not there."""
    return "://" in path or os.path.exists(path)


def read_text_csv(spark, path):
    """Every column as text (empty fields null); ROW numbers the rows in file order."""
    frame = spark.read.option("header", True).option("inferSchema", False).csv(path)
    return frame.withColumn(ROW, F.monotonically_increasing_id())


def json_rows(frame, exclude):
    """One row as a JSON object of its present fields (to_json leaves out nulls: absent = missing)."""
    return F.to_json(F.struct(*[F.col(c) for c in frame.columns if c not in exclude]))


def nested_column(grouped_rows, name):
    """A sorted array of (order..., json) structs -> one JSON array text."""
    return F.concat(F.lit("["), F.array_join(F.transform(F.sort_array(grouped_rows), lambda s: s["json"]), ","),
                    F.lit("]")).alias(name)


def histories(spark, data_dir, tables_wanted, applicants):
    """Per applicant (SK_ID_CURR), one JSON-array column per side table present in the folder; only the rows of the
    applicants scored (`applicants`: their SK_ID_CURR) are grouped."""
    out = []
    bureau = None
    for table in SIDE_TABLES:
        path = os.path.join(data_dir, f"{table}.csv")
        if table not in tables_wanted or not exists(path):
            continue
        frame = read_text_csv(spark, path)
        frame = frame.join(applicants, frame["SK_ID_CURR"].cast("long") == applicants["SK_ID_CURR"], "left_semi")
        if table == "bureau":
            bureau = frame
        rows = frame.select(F.col("SK_ID_CURR").cast("long").alias("SK_ID_CURR"),
                            F.struct(F.col(ROW).alias("order"), json_rows(frame, {ROW}).alias("json")).alias("r"))
        out.append(rows.groupBy("SK_ID_CURR").agg(nested_column(F.collect_list("r"), table)))
    path = os.path.join(data_dir, "bureau_balance.csv")
    if bureau is not None and "bureau_balance" in tables_wanted and exists(path):
        balance = read_text_csv(spark, path)
        credits = bureau.select(F.col("SK_ID_BUREAU"), F.col("SK_ID_CURR").cast("long").alias("SK_ID_CURR"),
                                F.col(ROW).alias("credit_order"))
        rows = balance.join(credits, "SK_ID_BUREAU").select(
            "SK_ID_CURR",
            F.struct(F.col("credit_order").alias("order"), F.col(ROW).alias("row"),
                     json_rows(balance, {ROW}).alias("json")).alias("r"))
        out.append(rows.groupBy("SK_ID_CURR").agg(nested_column(F.collect_list("r"), "bureau_balance")))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", required=True, help="Kaggle-layout folder (application_*.csv + side tables)")
    ap.add_argument("--application", help="application file (default: <data-dir>/application_test.csv)")
    ap.add_argument("--out", required=True, help="submission CSV to write")
    ap.add_argument("--model-uri", default="models:/credit-scoring@champion")
    ap.add_argument("--master", help="Spark master (default: spark-submit's, else local[2])")
    ap.add_argument("--env-manager", default="local",
                    help="local: this Python environment; virtualenv/uv: build the model's pinned environment")
    ap.add_argument("--with-decision", action="store_true")
    ap.add_argument("--partitions", type=int, default=8, help="partitions of the scored applications")
    ap.add_argument("--driver-memory", default="4g", help="JVM memory in local mode (spark-submit: its own flag)")
    args = ap.parse_args()
    application_file = args.application or os.path.join(args.data_dir, "application_test.csv")
    for path in (args.data_dir, application_file):
        if not exists(path):
            sys.exit(f"score_kaggle: {path} does not exist")
    started = time.perf_counter()
    # the Python workers run this interpreter (its pandas, lightgbm, mlflow), unless told otherwise
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        signature = mlflow.models.get_model_info(args.model_uri).signature
    except Exception as error:  # noqa: BLE001 - one line for the user
        sys.exit(f"score_kaggle: cannot read the model {args.model_uri}: {error}")
    if signature is None or "probability" not in signature.outputs.input_names():
        sys.exit(f"score_kaggle: {args.model_uri} does not score raw applications (no raw-field signature)")
    inputs = {spec.name: spec.type.name for spec in signature.inputs.inputs}

    builder = SparkSession.builder
    if args.master or not SparkConf().contains("spark.master"):  # spark-submit sets spark.master itself
        builder = builder.master(args.master or "local[2]")
    spark = (builder.appName("credit-scoring batch scoring")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.shuffle.partitions", str(args.partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", args.driver_memory)
             # applicants per Arrow batch handed to the model: their nested histories make rows large
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    predict = mlflow.pyfunc.spark_udf(spark, args.model_uri, env_manager=args.env_manager, result_type=T.StructType([
        T.StructField("SK_ID_CURR", T.LongType()), T.StructField("probability", T.DoubleType()),
        T.StructField("decision", T.StringType()), T.StructField("threshold", T.DoubleType()),
        T.StructField("modelVersion", T.StringType())]))

    application = spark.read.option("header", True).option("inferSchema", False).csv(application_file)
    application = application.withColumn("__order__", F.monotonically_increasing_id())
    fields = [c for c in application.columns if c in inputs]
    typed = application.select("__order__", *[F.col(c).cast(SPARK_TYPES[inputs[c]]).alias(c) for c in fields])
    applicants = typed.select("SK_ID_CURR").distinct()
    for nested in histories(spark, args.data_dir, set(inputs), applicants):
        typed = typed.join(nested, "SK_ID_CURR", "left")
    columns = [c for c in typed.columns if c in inputs]
    scored = typed.repartition(args.partitions).select("__order__", predict(F.struct(*columns)).alias("p"))
    result = scored.select("__order__", F.col("p.SK_ID_CURR").alias("SK_ID_CURR"),
                           F.format_string("%.17g", F.col("p.probability")).alias("TARGET"),
                           *([F.col("p.decision").alias("decision"),
                              F.format_string("%.17g", F.col("p.threshold")).alias("threshold"),
                              F.col("p.modelVersion").alias("modelVersion")] if args.with_decision else []))
    temp = tempfile.mkdtemp(prefix="score-kaggle-")
    try:
        result.orderBy("__order__").drop("__order__").coalesce(1).write.option("header", True).mode("overwrite") \
            .csv(os.path.join(temp, "out"))
        part = glob.glob(os.path.join(temp, "out", "part-*.csv"))[0]
        shutil.move(part, args.out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    master = spark.sparkContext.master
    rows = spark.read.option("header", True).csv("file://" + os.path.abspath(args.out)).count()
    spark.stop()
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": seconds, "rowsPerSecond": rows / seconds, "master": master,
                      "out": args.out}))


if __name__ == "__main__":
    main()
