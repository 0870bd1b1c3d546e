"""Bills (boletos): FEBRABAN barcode / linha digitável and the PDF."""
